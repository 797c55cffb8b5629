/**
 * The node's Pod: created from the node spec; replaced (deleted, then created on the next reconcile)
 * when its spec hash annotation differs from the node's desired hash. The network controller decides
 * WHEN a network's node gets a new spec (one at a time), so replacing on drift here is safe.
 */
import type { V1Pod } from '@kubernetes/client-node'
import { resolveTemplate, tlsEnabled } from '../../api/defaults.js'
import type { LatticeNode } from '../../api/types.js'
import { buildPod, desiredPodSpecHash, podHashOf } from '../../builders/pod.js'
import type { PeersFile } from '../../../../packages/contracts/src/peers-file.js'
import { parsePeersConfigMap, peersFileFor, type AddressingInit } from '../../builders/peers.js'
import { peersConfigMapName, podName } from '../../builders/names.js'
import { isAlreadyExists } from '../../kube/errors.js'
import type { OperatorContext } from '../context.js'

export type PodAction = 'created' | 'replacing' | 'terminating' | 'unchanged'

function addressing (ctx: OperatorContext, node: LatticeNode): AddressingInit {
  const net = ctx.caches.networks.get(node.spec.networkName, node.metadata.namespace)
  const t = resolveTemplate(node.spec)
  return {
    namespace: node.metadata.namespace ?? 'default',
    clusterDomain: ctx.config.clusterDomain,
    addressMode: net?.spec.addressMode ?? ctx.config.addressMode,
    p2pPort: t.ports.p2p,
    httpPort: t.ports.http,
    scheme: tlsEnabled(node.spec) ? 'https' : 'http'
  }
}

/** The node's initial peers: the network's peers file without the node itself. */
export function initialPeers (ctx: OperatorContext, node: LatticeNode, peerId: string): PeersFile {
  const file = parsePeersConfigMap(ctx.caches.configMaps.get(peersConfigMapName(node.spec.networkName), node.metadata.namespace)) ?? { bootstrap: [], lattice_nodes: [], members: [] }
  return peersFileFor(file, { name: node.metadata.name ?? '', peerId, ...(node.status?.podIP !== undefined ? { podIP: node.status.podIP } : {}) }, addressing(ctx, node))
}

export function currentPod (ctx: OperatorContext, node: LatticeNode): V1Pod | undefined {
  return ctx.caches.pods.get(podName(node.metadata.name ?? ''), node.metadata.namespace)
}

export async function ensurePod (ctx: OperatorContext, node: LatticeNode, peerId: string): Promise<PodAction> {
  const pod = currentPod(ctx, node)
  if (pod?.metadata?.deletionTimestamp !== undefined) return 'terminating'
  if (pod !== undefined) {
    const ownedByThis = pod.metadata?.ownerReferences?.some(r => r.uid === node.metadata.uid) === true
    if (ownedByThis && podHashOf(pod) === desiredPodSpecHash(node)) return 'unchanged'
    await ctx.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: node.metadata.namespace ?? '', name: pod.metadata?.name ?? '' })
    ctx.events.event(node, 'Normal', 'ReplacingPod', ownedByThis ? `pod spec changed (hash ${podHashOf(pod) ?? '?'} → ${desiredPodSpecHash(node)}): replacing the pod on the same PVC` : 'removing a pod left by an earlier node of the same name')
    return 'replacing'
  }
  try {
    await ctx.client.create(buildPod(node, initialPeers(ctx, node, peerId)))
  } catch (err) {
    if (!isAlreadyExists(err)) throw err
  }
  return 'created'
}
