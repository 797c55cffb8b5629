/**
 * The sync service: gossip over libp2p while the node has peers, HTTP sync with AETHEL_LATTICE_NODES
 * while it has none (after the peerless timeout) or when the operator of the node says so.
 * Contract shared by the daemon, the API, the dashboard and the operator's probe.
 */
import type { LedgerRecord, VersionVector } from '../ledger/interface.js'
import type { SyncBatch, SyncRequest } from './codec.js'
import type { TransitionSource } from './transitions.js'
import type { ComponentHealth, P2PStatus, RecoveryStatus, SwitchResult, SyncModeSetting } from '../../../packages/contracts/src/node-api.js'

// The bodies the node serves are the contract with the operator and the page (packages/contracts).
export type { ComponentHealth, EffectiveMode, P2PStatus, PeerStatus, RecoveryStatus, SwitchResult, SyncModeSetting } from '../../../packages/contracts/src/node-api.js'

/** The sync part of `GET /api/lattice/health` (components p2p, http_sync, heartbeat). */
export interface SyncHealth {
  p2p: ComponentHealth
  http_sync: ComponentHealth
  heartbeat: ComponentHealth
}

/** Emits `transition` (failover, recovery, mode switch): the one source for metrics and the timeline. */
export interface SyncService extends TransitionSource {
  start(): Promise<void>
  /** Stop gossip, polling and libp2p; idempotent. */
  stop(): Promise<void>
  status(): P2PStatus
  health(): SyncHealth
  /** Own-head recovery: while `recovering`, the API refuses writes (503) and /readyz is not ready. */
  recovery(): RecoveryStatus
  switchMode(mode: SyncModeSetting): SwitchResult
  /** One HTTP pull: the records a node with `req.version_vector` lacks, one bounded batch. */
  pull(req: SyncRequest): Promise<SyncBatch>
  /** Records pushed by another node over HTTP: ingested, and relayed to P2P peers when new. */
  push(records: LedgerRecord[]): Promise<PushResult>
  /** Stop or start libp2p on this node (an operational control; P2P disabled by config stays off). */
  setP2PEnabled(enabled: boolean): Promise<P2PSwitchResult>
}

/** What `POST /api/lattice/sync/push` answers. */
export interface PushResult {
  applied: number
  duplicates: number
  buffered: number
  rejected: number
  version_vector: VersionVector
}

export interface P2PSwitchResult {
  p2p_enabled: boolean
  message: string
}
