/**
 * Status and health views of the sync service: pure functions of a snapshot (no clock, no I/O), so the
 * rules (what "in sync", "active", "unhealthy" mean) are tested without starting anything.
 */
import type { ModeView } from './mode.js'
import type { P2PStatus, PeerStatus, RecoveryStatus, SyncHealth } from './interface.js'

export interface PeerHeartbeat {
  /** When it was received (ms). */
  at: number
  merkleRoot: string
  recordCount: number
  vvDigest: string
  /** Since when its root has differed from ours (ms), null while they match (peer-state.ts). */
  differingSince: number | null
  /** Its state differs from ours beyond the grace period, or at once for an equal version vector. */
  diverged: boolean
}

/** A heartbeat is current while it is at most three intervals old. */
export function heartbeatFresh (hb: Pick<PeerHeartbeat, 'at'>, now: number, heartbeatIntervalMs: number): boolean {
  return now - hb.at <= 3 * heartbeatIntervalMs
}

export interface ConnectedPeer {
  peerId: string
  addrs: string[]
  rttMs: number | null
}

export interface SyncSnapshot {
  now: number
  view: ModeView
  p2pEnabled: boolean
  /** libp2p running (false when cut for maintenance or disabled). */
  running: boolean
  serviceStarted: boolean
  selfId: string
  listenAddrs: string[]
  peers: ConnectedPeer[]
  heartbeats: ReadonlyMap<string, PeerHeartbeat>
  merkleRoot: string
  recordCount: number
  lastSync: number | null
  lastHeartbeatTick: number | null
  heartbeatIntervalMs: number
  latticeNodes: number
  lastHttpRound: { at: number, ok: number, failed: number } | null
  recovery: RecoveryStatus
}

const iso = (ms: number | null): string | null => ms !== null ? new Date(ms).toISOString() : null

/** The heartbeat monitor is active while its loop runs and its last tick is at most two intervals old. */
export function heartbeatActive (s: Pick<SyncSnapshot, 'serviceStarted' | 'lastHeartbeatTick' | 'now' | 'heartbeatIntervalMs'>): boolean {
  return s.serviceStarted && s.lastHeartbeatTick !== null && s.now - s.lastHeartbeatTick <= 2 * s.heartbeatIntervalMs
}

export function buildStatus (s: SyncSnapshot): P2PStatus {
  const peers: PeerStatus[] = s.peers.map(p => {
    const hb = s.heartbeats.get(p.peerId)
    return {
      peer_id: p.peerId,
      addrs: p.addrs,
      latency_ms: p.rttMs,
      last_heartbeat: iso(hb?.at ?? null),
      merkle_root: hb?.merkleRoot ?? null,
      record_count: hb?.recordCount ?? null,
      in_sync: hb !== undefined ? hb.merkleRoot === s.merkleRoot : null,
      state_diverged: hb !== undefined && heartbeatFresh(hb, s.now, s.heartbeatIntervalMs) ? hb.diverged : null
    }
  })
  return {
    started: s.running,
    peer_count: s.view.peerCount,
    has_peers: s.view.peerCount > 0,
    http_sync_enabled: s.view.httpSyncEnabled,
    heartbeat_active: heartbeatActive(s),
    sync_mode: s.view.setting,
    mode: s.view.effective,
    peer_id: s.selfId,
    listen_addrs: s.listenAddrs,
    peers,
    last_sync: iso(s.lastSync),
    merkle_root: s.merkleRoot,
    record_count: s.recordCount,
    recovery: s.recovery
  }
}

export function buildHealth (s: SyncSnapshot): SyncHealth {
  const round = s.lastHttpRound
  // HTTP sync is unhealthy when it is on and its last poll reached no node at all
  const httpStatus = !s.view.httpSyncEnabled ? 'disabled' : (round !== null && round.ok === 0 && round.failed > 0 ? 'unhealthy' : 'healthy')
  return {
    p2p: {
      status: !s.p2pEnabled ? 'disabled' : s.running ? 'healthy' : 'unhealthy',
      started: s.running,
      peer_count: s.view.peerCount,
      has_peers: s.view.peerCount > 0
    },
    http_sync: {
      status: httpStatus,
      mode: s.view.setting,
      enabled: s.view.httpSyncEnabled,
      nodes: s.latticeNodes,
      last_round: iso(round?.at ?? null)
    },
    heartbeat: {
      status: heartbeatActive(s) ? 'active' : 'inactive',
      interval_ms: s.heartbeatIntervalMs,
      last_tick: iso(s.lastHeartbeatTick)
    }
  }
}
