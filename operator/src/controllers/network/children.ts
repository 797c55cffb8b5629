/** The network's own children: Secret (PSK, token), headless Service, PDB, peers ConfigMap. */
import type { V1ConfigMap, V1NetworkPolicy, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node'
import type { LatticeNetwork, LatticeNode } from '../../api/types.js'
import { resolveNetworkSpec } from '../../api/defaults.js'
import { buildHeadlessService } from '../../builders/services.js'
import { buildPodDisruptionBudget } from '../../builders/pdb.js'
import { buildNetworkPolicy, networkPolicySpecOf } from '../../builders/network-policy.js'
import { buildNetworkSecret, generateNetworkSecretData } from '../../builders/secrets.js'
import { addressingFor, buildPeersConfigMap, buildPeersFile, type PeerNode } from '../../builders/peers.js'
import { headlessServiceName, networkPolicyName, networkSecretName, pdbName, peersConfigMapName } from '../../builders/names.js'
import { ensureObject } from '../apply.js'
import type { OperatorContext } from '../context.js'
import { isAlreadyExists } from '../../kube/errors.js'
import { refOf } from '../../kube/client.js'

export async function ensureNetworkSecret (ctx: OperatorContext, net: LatticeNetwork): Promise<void> {
  const ns = net.metadata.namespace ?? ''
  if (ctx.caches.secrets.get(networkSecretName(net.metadata.name ?? ''), ns) !== undefined) return
  // Not in the cache: ask the server before generating, so a lagging cache never replaces the PSK.
  const found = await ctx.client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: networkSecretName(net.metadata.name ?? '') })
  if (found !== undefined) return
  try {
    await ctx.client.create(buildNetworkSecret(net, generateNetworkSecretData()))
    ctx.events.event(net, 'Normal', 'SecretCreated', `created Secret ${networkSecretName(net.metadata.name ?? '')} (P2P pre-shared key, API token)`)
  } catch (err) {
    if (!isAlreadyExists(err)) throw err
  }
}

export async function ensureHeadlessService (ctx: OperatorContext, net: LatticeNetwork): Promise<void> {
  const desired = buildHeadlessService(net)
  const existing = ctx.caches.services.get(headlessServiceName(net.metadata.name ?? ''), net.metadata.namespace)
  await ensureObject<V1Service>(ctx.client, desired, existing, s => ({ spec: { selector: s.spec?.selector, ports: s.spec?.ports, publishNotReadyAddresses: s.spec?.publishNotReadyAddresses } }))
}

export async function ensurePdb (ctx: OperatorContext, net: LatticeNetwork): Promise<void> {
  const desired = buildPodDisruptionBudget(net)
  const existing = ctx.caches.pdbs.get(pdbName(net.metadata.name ?? ''), net.metadata.namespace)
  if (existing?.spec?.maxUnavailable !== undefined) {
    // Written by an earlier version as maxUnavailable: both fields together are invalid, so swap them.
    await ctx.client.mergePatch(refOf(desired), { spec: { maxUnavailable: null, minAvailable: desired.spec?.minAvailable } })
    return
  }
  await ensureObject<V1PodDisruptionBudget>(ctx.client, desired, existing, p => ({ spec: p.spec }))
}

/** The nodes' NetworkPolicy when spec.networkPolicy.enabled, none otherwise (an existing one is removed). */
export async function ensureNetworkPolicy (ctx: OperatorContext, net: LatticeNetwork): Promise<void> {
  const existing = ctx.caches.networkPolicies.get(networkPolicyName(net.metadata.name ?? ''), net.metadata.namespace)
  if (!resolveNetworkSpec(net.spec).networkPolicy.enabled) {
    if (existing !== undefined) {
      await ctx.client.delete(refOf({ ...existing, apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }))
      ctx.events.event(net, 'Normal', 'NetworkPolicyRemoved', `removed NetworkPolicy ${networkPolicyName(net.metadata.name ?? '')} (spec.networkPolicy.enabled is false)`)
    }
    return
  }
  const desired = buildNetworkPolicy(net, ctx.config.operatorNamespace !== undefined ? { operatorNamespace: ctx.config.operatorNamespace } : {})
  await ensureObject<V1NetworkPolicy>(ctx.client, desired, existing, p => ({ spec: networkPolicySpecOf(p.spec) }))
}

/** Peers of every node that exists (identity known or not yet) plus the external peers. */
export function peerNodes (nodes: readonly LatticeNode[]): PeerNode[] {
  return nodes.map(n => ({
    name: n.metadata.name ?? '',
    ...(n.status?.peerId !== undefined ? { peerId: n.status.peerId } : {}),
    ...(n.status?.podIP !== undefined ? { podIP: n.status.podIP } : {})
  }))
}

export async function ensurePeersConfigMap (ctx: OperatorContext, net: LatticeNetwork, nodes: readonly LatticeNode[]): Promise<'created' | 'patched' | 'unchanged' | 'exists'> {
  const spec = resolveNetworkSpec(net.spec)
  const file = buildPeersFile(peerNodes(nodes), spec.externalPeers, addressingFor(net, ctx.config))
  const desired = buildPeersConfigMap(net, file)
  const existing = ctx.caches.configMaps.get(peersConfigMapName(net.metadata.name ?? ''), net.metadata.namespace)
  return await ensureObject<V1ConfigMap>(ctx.client, desired, existing, c => ({ data: c.data }))
}
