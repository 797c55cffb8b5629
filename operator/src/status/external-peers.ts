/**
 * External peers (spec.externalPeers, e.g. the seed's other two sites) have no LatticeNode and no pod
 * the operator can probe; the in-cluster nodes hear their heartbeats, which carry each peer's Merkle
 * root, and report them in `GET /api/lattice/p2p/status` (peers[].merkle_root, state_diverged). These
 * reports make one root observation per external peer, judged with the in-cluster nodes by the same
 * majority rule (divergence.ts). Pure.
 */
import type { PeerStatus } from '../../../packages/contracts/src/node-api.js'
import { peerIdOfMultiaddr } from '../../../packages/contracts/src/peers-file.js'
import type { RootObservation } from './divergence.js'

/** What one in-cluster node reports about a peer: the fields read of a `peers[]` entry of its p2p status. */
export type PeerReport = Pick<PeerStatus, 'peer_id' | 'merkle_root' | 'last_heartbeat'> & Partial<Pick<PeerStatus, 'state_diverged'>>

export interface ExternalPeerRef {
  name: string
  multiaddr: string
}

/** Divergence bookkeeping of an external peer between reconciles. */
export interface ExternalPeerMemory {
  divergingSince?: string
  diverged?: boolean
}

/**
 * One observation per external peer: its root from the freshest current heartbeat any in-cluster node
 * reports; `up` false when no node has a current one (then nothing new is judged about it).
 */
export function observeExternalPeers (peers: readonly ExternalPeerRef[], reports: ReadonlyArray<readonly PeerReport[]>, memory: ReadonlyMap<string, ExternalPeerMemory>): RootObservation[] {
  return peers.map((p): RootObservation => {
    const id = peerIdOfMultiaddr(p.multiaddr)
    let best: PeerReport | undefined
    for (const list of reports) {
      for (const r of list) {
        if (r.peer_id !== id || r.merkle_root === null || r.last_heartbeat === null || r.state_diverged === null) continue
        if (best === undefined || Date.parse(r.last_heartbeat) > Date.parse(best.last_heartbeat ?? '')) best = r
      }
    }
    const m = memory.get(p.name)
    return {
      name: p.name,
      up: best !== undefined,
      ...(best?.merkle_root != null ? { merkleRoot: best.merkle_root } : {}),
      ...(m?.divergingSince !== undefined ? { divergingSince: m.divergingSince } : {}),
      diverged: m?.diverged === true
    }
  })
}
