import { describe, expect, it } from '@jest/globals'
import { ModeMachine } from './mode.js'
import { buildHealth, buildStatus, heartbeatActive, type SyncSnapshot } from './status.js'

function snapshot (over: Partial<SyncSnapshot> = {}): SyncSnapshot {
  const m = new ModeMachine({ setting: 'auto', peerlessTimeoutMs: 1000, now: 0 })
  m.peers(1, 0)
  return {
    now: 10_000,
    view: m.view(),
    p2pEnabled: true,
    running: true,
    serviceStarted: true,
    selfId: 'self',
    listenAddrs: ['/ip4/127.0.0.1/tcp/1/p2p/self'],
    peers: [{ peerId: 'p1', addrs: ['/ip4/127.0.0.1/tcp/2'], rttMs: 0.4 }, { peerId: 'p2', addrs: [], rttMs: null }],
    heartbeats: new Map([['p1', { at: 9_000, merkleRoot: 'root', recordCount: 3, vvDigest: 'd', differingSince: null, diverged: false }]]),
    merkleRoot: 'root',
    recordCount: 3,
    lastSync: 9_500,
    lastHeartbeatTick: 9_000,
    heartbeatIntervalMs: 500,
    latticeNodes: 2,
    lastHttpRound: null,
    recovery: { recovering: false, reason: 'no peers are configured', own_head: 0, peer_head: null, missing_records: 0, missing_detected: 0, recovered_records: 0, since: null },
    ...over
  }
}

describe('status and health views', () => {
  it('reports peers with heartbeat data and in-sync flags', () => {
    const s = buildStatus(snapshot())
    expect(s).toMatchObject({ started: true, peer_count: 1, has_peers: true, mode: 'P2P', sync_mode: 'auto', http_sync_enabled: false, merkle_root: 'root', record_count: 3 })
    expect(s.peers[0]).toMatchObject({ peer_id: 'p1', latency_ms: 0.4, in_sync: true, record_count: 3, last_heartbeat: new Date(9_000).toISOString() })
    expect(s.peers[1]).toMatchObject({ peer_id: 'p2', in_sync: null, last_heartbeat: null, merkle_root: null })
    expect(buildStatus(snapshot({ merkleRoot: 'other' })).peers[0].in_sync).toBe(false)
    expect(s.last_sync).toBe(new Date(9_500).toISOString())
  })

  it('reports a peer\'s divergence verdict only while its heartbeat is current (three intervals)', () => {
    const diverged = new Map([['p1', { at: 9_000, merkleRoot: 'other', recordCount: 4, vvDigest: 'e', differingSince: 1_000, diverged: true }]])
    expect(buildStatus(snapshot({ heartbeats: diverged })).peers[0]).toMatchObject({ in_sync: false, state_diverged: true })
    expect(buildStatus(snapshot({ heartbeats: diverged, now: 10_500 })).peers[0].state_diverged).toBe(true)
    expect(buildStatus(snapshot({ heartbeats: diverged, now: 10_501 })).peers[0].state_diverged).toBeNull()
    expect(buildStatus(snapshot()).peers.map(p => p.state_diverged)).toEqual([false, null])
  })

  it('heartbeat monitor: active up to two intervals after its last tick, and only while started', () => {
    expect(heartbeatActive({ serviceStarted: true, lastHeartbeatTick: 9_000, now: 10_000, heartbeatIntervalMs: 500 })).toBe(true)
    expect(heartbeatActive({ serviceStarted: true, lastHeartbeatTick: 9_000, now: 10_001, heartbeatIntervalMs: 500 })).toBe(false)
    expect(heartbeatActive({ serviceStarted: false, lastHeartbeatTick: 9_999, now: 10_000, heartbeatIntervalMs: 500 })).toBe(false)
    expect(heartbeatActive({ serviceStarted: true, lastHeartbeatTick: null, now: 10_000, heartbeatIntervalMs: 500 })).toBe(false)
  })

  it('health: p2p disabled / unhealthy when cut; http sync unhealthy when a poll reached nobody', () => {
    expect(buildHealth(snapshot()).p2p.status).toBe('healthy')
    expect(buildHealth(snapshot({ running: false })).p2p.status).toBe('unhealthy')
    expect(buildHealth(snapshot({ p2pEnabled: false, running: false })).p2p.status).toBe('disabled')
    expect(buildHealth(snapshot()).http_sync.status).toBe('disabled')
    const m = new ModeMachine({ setting: 'http', peerlessTimeoutMs: 1000, now: 0 })
    const http = { view: m.view() }
    expect(buildHealth(snapshot({ ...http, lastHttpRound: { at: 1, ok: 0, failed: 2 } })).http_sync.status).toBe('unhealthy')
    expect(buildHealth(snapshot({ ...http, lastHttpRound: { at: 1, ok: 1, failed: 1 } })).http_sync.status).toBe('healthy')
    expect(buildHealth(snapshot({ ...http, lastHttpRound: null })).http_sync).toMatchObject({ status: 'healthy', enabled: true, mode: 'http', nodes: 2 })
    expect(buildHealth(snapshot({ now: 20_000 })).heartbeat.status).toBe('inactive')
  })
})
