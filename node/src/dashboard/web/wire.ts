// The JSON the page reads, as the node serves it (node/src/sync/interface.ts P2PStatus and
// node/src/dashboard/interface.ts Timeline). Repeated here because the page is a separate client of
// the HTTP API, compiled for the browser; the page test checks the page against the real server.

export type SyncModeSetting = 'p2p' | 'http' | 'auto'
export type EffectiveMode = 'P2P' | 'HTTP' | 'NONE'

export interface PeerStatus {
  peer_id: string
  addrs: string[]
  latency_ms: number | null
  last_heartbeat: string | null
  merkle_root: string | null
  record_count: number | null
  in_sync: boolean | null
}

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
  last_sync: string | null
  merkle_root: string
  record_count: number
}

export interface TimelineSample {
  t: number
  peer_count: number
  mode: EffectiveMode
  http_sync_enabled: boolean
  record_count: number
  records_per_second: number
}

export interface TimelineEvent {
  t: number
  kind: 'failover' | 'recovery' | 'mode_switch'
  from: string
  to: string
}

export interface Timeline {
  samples: TimelineSample[]
  events: TimelineEvent[]
  now: number
  window_ms: number
  sample_interval_ms: number
  peerless_timeout_ms: number | null
}

export interface SwitchResult {
  success: boolean
  message: string
  mode: SyncModeSetting
}

export interface ApiErrorBody {
  error: { code: string, message: string }
}
