/**
 * The bodies the node's HTTP API serves and its clients read: the daemon serves them (node/src/api,
 * node/src/sync, node/src/dashboard), the operator's prober reads status and state (parsed by
 * node-api-parse.ts), the dashboard page reads status and the timeline. Types and the two mode lists
 * only (no imports): the page's browser build compiles this file too.
 */

/** The configured mode (`POST /api/lattice/sync/switch?mode=`). */
export type SyncModeSetting = 'p2p' | 'http' | 'auto'
/** The effective mode reported in status. */
export type EffectiveMode = 'P2P' | 'HTTP' | 'NONE'

export const SYNC_MODE_SETTINGS: readonly SyncModeSetting[] = ['p2p', 'http', 'auto']
export const EFFECTIVE_MODES: readonly EffectiveMode[] = ['P2P', 'HTTP', 'NONE']

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

/**
 * Whether the node knows its own head (node/src/sync/own-head.ts): while `recovering`, writes answer
 * 503 `recovering` and /readyz is not ready. The operator turns it into the LatticeNode condition
 * `Recovering`.
 */
export interface RecoveryStatus {
  /** Writes are refused until the ledger holds the highest seq of this node's records its peers hold. */
  recovering: boolean
  /** Why writes are refused, or why they were allowed. */
  reason: string
  /** This node's own head in its ledger. */
  own_head: number
  /** The highest head of this node's origin a peer reported (null before the first report). */
  peer_head: number | null
  /** Own records peers hold and the ledger lacks (lost from this node's files). */
  missing_records: number
  /** The most own records found missing at once since the node started (what its files had lost). */
  missing_detected: number
  /** Own records recovered from peers since the node started. */
  recovered_records: number
  /** ISO time since when writes are refused; null while they are accepted. */
  since: string | null
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
  /**
   * Own-head recovery (not in the seed): the operator's `Recovering` condition. Always served; optional
   * because nodes of earlier versions do not send it (the operator reports `Recovering` Unknown then).
   */
  recovery?: RecoveryStatus
}

/** `GET /api/lattice/state` */
export interface StateBody {
  merkle_root: string
  record_count: number
  /** {origin: highest contiguous seq} */
  version_vector: Record<string, number>
}

export interface ComponentHealth {
  /** `degraded`: working, with a loss to report (persistence: own records missing, being recovered). */
  status: 'healthy' | 'degraded' | 'unhealthy' | 'disabled' | 'active' | 'inactive'
  [detail: string]: unknown
}

/** `GET /api/lattice/health` in the seed's shape: a component is bad when its status is `unhealthy` or `degraded`. */
export interface HealthBody {
  timestamp: string
  overall: 'healthy' | 'degraded'
  components: {
    p2p: ComponentHealth
    http_sync: ComponentHealth
    heartbeat: ComponentHealth
    persistence: ComponentHealth
  }
  metrics: Record<string, number | string | null>
  unhealthy_components: string[]
}

/** `POST /api/lattice/sync/switch?mode=` */
export interface SwitchResult {
  success: boolean
  message: string
  mode: SyncModeSetting
}

/** Every non-2xx answer of the API. */
export interface ApiErrorBody {
  error: { code: string, message: string }
}

/** One point of the timeline, taken every sample interval (5 s). */
export interface TimelineSample {
  /** ms since the epoch */
  t: number
  peer_count: number
  mode: EffectiveMode
  http_sync_enabled: boolean
  record_count: number
  /** Records applied per second since the previous sample (0 for the first one). */
  records_per_second: number
}

/**
 * A change of sync mode. `failover` (P2P/NONE → HTTP) and `recovery` (HTTP/NONE → P2P) are the
 * automatic changes of the effective mode; `mode_switch` is a change of the configured mode
 * (`from`/`to` are then `p2p|http|auto`), which also explains any effective change at that moment.
 */
export type TimelineEventKind = 'failover' | 'recovery' | 'mode_switch'

export interface TimelineEvent {
  t: number
  kind: TimelineEventKind
  from: EffectiveMode | SyncModeSetting
  to: EffectiveMode | SyncModeSetting
}

/** `GET /api/lattice/timeline` */
export interface Timeline {
  samples: TimelineSample[]
  events: TimelineEvent[]
  /** Server time of the answer, so the page draws the window without trusting the browser's clock. */
  now: number
  window_ms: number
  sample_interval_ms: number
  /** The node's peerless timeout, shown in the mode control's help text; null when not known. */
  peerless_timeout_ms: number | null
}
