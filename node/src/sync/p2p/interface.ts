/** The P2P transport's settings, the events it reports to the sync service, and what it answers (transport.ts). */
import type { PrivateKey } from '@libp2p/interface'
import type { BackoffInit } from './backoff.js'
import type { GossipMessage, SyncRequest } from '../codec.js'
import type { ServedBatch } from '../reconcile.js'

export interface P2PTransportInit {
  privateKey: PrivateKey
  listen: string[]
  topic: string
  psk?: Uint8Array
  backoff: BackoffInit
  /** How often the reconnect loop looks at the bootstrap list, ms. */
  reconnectTickMs: number
  /** Dial and catch-up deadline, ms. */
  timeoutMs: number
  /**
   * Every connected peer is pinged this often (ms), with this as deadline. A peer not heard from (ping
   * answer, gossip, connection) for three intervals (at least 5 s) is hung up (liveness.ts).
   */
  livenessIntervalMs: number
}

export interface P2PTransportHandlers {
  /** A message arrived on the topic from `from` (the peer that delivered it). */
  onGossip: (msg: GossipMessage, from: string, size: number) => void
  /** Undecodable topic message. */
  onMalformed: (from: string, err: Error) => void
  /** A topic message dropped because its sender is over its gossip budget. */
  onOverBudget: (from: string, bytes: number) => void
  onPeerConnected: (peerId: string) => void
  /**
   * The number of connected peers changed. When it dropped to 0 because the last peer went silent,
   * `lastContact` is when it was last heard: the node has been peerless since then, not since now.
   */
  onPeersChanged: (count: number, lastContact?: number) => void
  /** A peer stopped answering and its connections were closed. */
  onPeerSilent: (peerId: string, silentMs: number) => void
  /** Serve an inbound catch-up request: the bounded batches the requester lacks. */
  serve: (req: SyncRequest, from: string) => Iterable<ServedBatch>
  /** The current bootstrap multiaddrs (re-read each tick: the peers file may change). */
  bootstrap: () => string[]
  /** Nodes in the network, this one included (the members): picks the gossip topology at each start. */
  networkSize: () => number
}

export interface PeerInfo {
  peerId: string
  addrs: string[]
  rttMs: number | null
}

export interface CatchupOutcome {
  batches: number
  /** Compressed bytes received. */
  bytes: number
  /** Time spent decompressing and parsing batches, ms. */
  decodeMs: number
}
