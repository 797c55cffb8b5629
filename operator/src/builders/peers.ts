/**
 * The peers file (ConfigMap key peers.json, AETHEL_PEERS_FILE): bootstrap multiaddrs and HTTP URLs of
 * every node of the network plus the external peers, and the member peer IDs. Every node gets the
 * same file with ALL nodes and filters itself out, so one ConfigMap serves the whole network and a
 * scale-up changes only this file (the node re-reads it; no pod restart). Its format and parser are
 * packages/contracts peers-file.ts.
 *
 * Past FLOOD_MAX_NODES the file also names each node's neighbours (packages/contracts p2p-topology.ts:
 * a ring with chords over the bootstrap list's order, at most eight per node), so connections per node
 * do not grow with the network; members and HTTP URLs still list every node.
 */
import type { V1ConfigMap } from '@kubernetes/client-node'
import { bootstrapOf, parsePeersFile, peerIdOfMultiaddr, serializePeersFile, type PeersFile } from '../../../packages/contracts/src/peers-file.js'
import { FLOOD_MAX_NODES, neighbourPositions } from '../../../packages/contracts/src/p2p-topology.js'
import { PEERS_KEY } from '../api/constants.js'
import type { AddressMode, ExternalPeer, LatticeNetwork } from '../api/types.js'
import { resolveNetworkSpec, tlsEnabled } from '../api/defaults.js'
import { controllerRef } from './owner.js'
import { networkLabels, nodeServiceName, peersConfigMapName } from './names.js'

/** What the network controller knows about one of its nodes. */
export interface PeerNode {
  name: string
  /** Unknown until the node controller made the identity Secret. */
  peerId?: string
  /** Unknown until the pod runs. */
  podIP?: string
}

export interface AddressingInit {
  namespace: string
  clusterDomain: string
  addressMode: AddressMode
  p2pPort: number
  httpPort: number
  /** https when the network's nodes serve TLS (spec.tls.mode operator or certManager). */
  scheme?: 'http' | 'https'
}

function host (node: PeerNode, a: AddressingInit): { proto: 'dns4' | 'ip4' | 'ip6', host: string } | undefined {
  if (a.addressMode === 'podIP') {
    if (node.podIP === undefined || node.podIP === '') return undefined
    return { proto: node.podIP.includes(':') ? 'ip6' : 'ip4', host: node.podIP }
  }
  return { proto: 'dns4', host: `${nodeServiceName(node.name)}.${a.namespace}.svc.${a.clusterDomain}` }
}

export function nodeMultiaddr (node: PeerNode, a: AddressingInit): string | undefined {
  const h = host(node, a)
  if (h === undefined || node.peerId === undefined || node.peerId === '') return undefined
  return `/${h.proto}/${h.host}/tcp/${a.p2pPort}/p2p/${node.peerId}`
}

export function nodeUrl (node: PeerNode, a: AddressingInit): string | undefined {
  const h = host(node, a)
  if (h === undefined) return undefined
  const scheme = a.scheme ?? 'http'
  return h.proto === 'ip6' ? `${scheme}://[${h.host}]:${a.httpPort}` : `${scheme}://${h.host}:${a.httpPort}`
}

/** Peers file for the whole network, nodes in the order given (ordinal order), external peers last. */
export function buildPeersFile (nodes: readonly PeerNode[], external: readonly ExternalPeer[], a: AddressingInit): PeersFile {
  const bootstrap: string[] = []
  const urls: string[] = []
  const members: string[] = []
  for (const n of nodes) {
    const ma = nodeMultiaddr(n, a)
    if (ma !== undefined) bootstrap.push(ma)
    const url = nodeUrl(n, a)
    if (url !== undefined) urls.push(url)
    if (n.peerId !== undefined && n.peerId !== '') members.push(n.peerId)
  }
  for (const p of external) {
    bootstrap.push(p.multiaddr)
    if (p.url !== undefined) urls.push(p.url)
    const peerId = peerIdOfMultiaddr(p.multiaddr)
    if (peerId !== undefined) members.push(peerId)
  }
  const neighbours = neighbourMap(bootstrap, new Set(nodes.map(n => n.peerId).filter((id): id is string => id !== undefined && id !== '')))
  return { bootstrap, lattice_nodes: urls, members, ...(neighbours !== undefined ? { neighbours } : {}) }
}

/**
 * Who dials whom past FLOOD_MAX_NODES: the ring with chords over the bootstrap order (the network's
 * nodes in ordinal order, then the external peers), for the operator's own nodes (an external peer has
 * its own configuration). Up to the threshold: none, every node dials every other.
 */
function neighbourMap (bootstrap: readonly string[], ownNodes: ReadonlySet<string>): Record<string, string[]> | undefined {
  if (bootstrap.length <= FLOOD_MAX_NODES) return undefined
  const ids = bootstrap.map(addr => peerIdOfMultiaddr(addr) ?? '')
  const map: Record<string, string[]> = {}
  ids.forEach((id, i) => {
    if (ownNodes.has(id)) map[id] = neighbourPositions(ids.length, i).map(j => ids[j])
  })
  return map
}

/**
 * The initial peers of one node: the network's list without the node itself (as the seed's env shows),
 * its bootstrap cut to its neighbours in a large network.
 */
export function peersFileFor (file: PeersFile, self: PeerNode, a: AddressingInit): PeersFile {
  const ownAddr = nodeMultiaddr(self, a)
  const ownUrl = nodeUrl(self, a)
  return {
    bootstrap: (self.peerId !== undefined ? bootstrapOf(file, self.peerId) : file.bootstrap).filter(m => m !== ownAddr && (self.peerId === undefined || !m.endsWith(`/p2p/${self.peerId}`))),
    lattice_nodes: file.lattice_nodes.filter(u => u !== ownUrl),
    members: file.members
  }
}

export function addressingFor (network: LatticeNetwork, defaults: { clusterDomain: string, addressMode: AddressMode }): AddressingInit {
  const spec = resolveNetworkSpec(network.spec)
  return {
    namespace: network.metadata.namespace ?? 'default',
    clusterDomain: defaults.clusterDomain,
    addressMode: spec.addressMode ?? defaults.addressMode,
    p2pPort: spec.ports.p2p,
    httpPort: spec.ports.http,
    scheme: tlsEnabled(spec) ? 'https' : 'http'
  }
}

export function buildPeersConfigMap (network: LatticeNetwork, file: PeersFile): V1ConfigMap {
  const name = network.metadata.name ?? ''
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: peersConfigMapName(name),
      namespace: network.metadata.namespace,
      labels: networkLabels(name, 'peers'),
      ownerReferences: [controllerRef(network)]
    },
    data: { [PEERS_KEY]: serializePeersFile(file) }
  }
}

export function parsePeersConfigMap (cm: V1ConfigMap | undefined): PeersFile | undefined {
  const raw = cm?.data?.[PEERS_KEY]
  if (raw === undefined) return undefined
  try {
    return parsePeersFile(raw)
  } catch {
    return undefined
  }
}
