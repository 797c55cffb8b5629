/**
 * The sync service: gossip over libp2p while the node has peers, HTTP sync with AETHEL_LATTICE_NODES
 * while it has none (after the peerless timeout) or when the operator of the node says so.
 * Contract shared by the daemon, the API, the dashboard and the operator's probe.
 */
import type { Router } from 'express'

/** The configured mode (`POST /api/lattice/sync/switch?mode=`). */
export type SyncModeSetting = 'p2p' | 'http' | 'auto'
/** The effective mode reported in status. */
export type EffectiveMode = 'P2P' | 'HTTP' | 'NONE'

export interface PeerStatus {
  peer_id: string
  /** Multiaddrs of the open connections to this peer. */
  addrs: string[]
  /** Last libp2p ping round trip, ms; null before the first. */
  latency_ms: number | null
  /** ISO time of the last heartbeat received from this peer; null before the first. */
  last_heartbeat: string | null
  /** From the peer's last heartbeat. */
  merkle_root: string | null
  record_count: number | null
  /** The peer's last heartbeat root equals ours (null before the first heartbeat). */
  in_sync: boolean | null
  /**
   * The peer's state differs from ours beyond the grace period (or its version vector equals ours and
   * its root does not); null without a heartbeat in the last three intervals.
   */
  state_diverged: boolean | null
}

/** `GET /api/lattice/p2p/status`: the seed's fields, snake_case. */
export interface P2PStatus {
  started: boolean
  peer_count: number
  has_peers: boolean
  http_sync_enabled: boolean
  heartbeat_active: boolean
  sync_mode: SyncModeSetting
  mode: EffectiveMode
  peer_id: string
  listen_addrs: string[]
  peers: PeerStatus[]
  /** ISO time of the last completed sync exchange (P2P catch-up, gossip apply or HTTP round). */
  last_sync: string | null
  merkle_root: string
  record_count: number
}

export interface ComponentHealth {
  status: 'healthy' | 'unhealthy' | 'disabled' | 'active' | 'inactive'
  [detail: string]: unknown
}

/** The sync part of `GET /api/lattice/health` (components p2p, http_sync, heartbeat). */
export interface SyncHealth {
  p2p: ComponentHealth
  http_sync: ComponentHealth
  heartbeat: ComponentHealth
}

export interface SwitchResult {
  success: boolean
  message: string
  mode: SyncModeSetting
}

export interface SyncService {
  start(): Promise<void>
  /** Stop gossip, polling and libp2p; idempotent. */
  stop(): Promise<void>
  status(): P2PStatus
  health(): SyncHealth
  switchMode(mode: SyncModeSetting): SwitchResult
  /**
   * Node-to-node sync endpoints, mounted by the API at `/api/lattice/sync` behind the bearer-token
   * check (the switch endpoint is mounted separately by the API).
   */
  router(): Router
}
