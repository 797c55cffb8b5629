/**
 * Acceptance: cut P2P on one node of three (libp2p stopped through the operational control). Within the
 * peerless timeout plus a poll interval it reports mode HTTP with HTTP sync on; records written on either
 * side during the cut reach every node over HTTP; once P2P is restored it goes back to P2P with HTTP sync
 * off, nothing lost, roots equal.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type Lattice, startConnectedLattice } from '../../packages/testkit/src/node/index.js'
import { converged, SHORT_TIMINGS, metric, setP2P, state, status, write } from './helpers.js'

describe('failover to HTTP and recovery to P2P', () => {
  let lattice: Lattice
  beforeAll(async () => {
    lattice = await startConnectedLattice(3, { env: SHORT_TIMINGS })
  }, 120_000)
  afterAll(async () => { await lattice?.destroy() })

  it('switches to HTTP when cut, syncs both ways over HTTP, and recovers to P2P', async () => {
    const [a, b, cut] = lattice.nodes
    const ids = [(await write(a, 'before-cut')).id]
    await waitFor('initial record everywhere', async () => await converged(lattice.nodes, ids), { timeoutMs: 20_000 })

    // Under load a node can fail over once at start, before its peers connect: count from here.
    const failoversBefore = await metric(cut, 'lattice_sync_failovers_total')
    await setP2P(cut, false)
    const cutStatus = await waitFor('cut node in HTTP mode', async () => {
      const s = await status(cut)
      return s.mode === 'HTTP' && s.http_sync_enabled ? s : undefined
    }, { timeoutMs: 20_000 })
    expect(cutStatus.peer_count).toBe(0)
    expect(cutStatus.has_peers).toBe(false)
    expect(cutStatus.started).toBe(false)
    expect(await metric(cut, 'lattice_sync_failovers_total')).toBe(failoversBefore + 1)
    expect(await metric(cut, 'lattice_node_http_sync_enabled')).toBe(1)
    expect(await metric(cut, 'lattice_node_sync_mode', { mode: 'HTTP' })).toBe(1)
    expect(await metric(cut, 'lattice_sync_last_failover_timestamp_seconds')).toBeGreaterThan(0)
    // the others still have each other: they stay in P2P
    const others = await Promise.all([a, b].map(status))
    expect(others.every(s => s.mode === 'P2P' && s.peer_count === 1 && !s.http_sync_enabled)).toBe(true)
    const health = await cut.api<{ components: { p2p: { status: string }, http_sync: { status: string } } }>('/api/lattice/health', { auth: false })
    expect(health.body.components.p2p.status).toBe('unhealthy')
    expect(health.body.components.http_sync.status).toBe('healthy')

    // writes on both sides during the cut
    for (let i = 0; i < 5; i++) {
      ids.push((await write(cut, `cut-side-${i}`)).id)
      ids.push((await write(i % 2 === 0 ? a : b, `lattice-side-${i}`)).id)
    }
    await waitFor('records of both sides everywhere over HTTP', async () => await converged(lattice.nodes, ids), { timeoutMs: 30_000 })
    await waitFor('a completed HTTP round', async () => await metric(cut, 'lattice_http_sync_rounds_total') > 0, { timeoutMs: 20_000 })
    expect(await metric(cut, 'lattice_catchup_records_total', { transport: 'http' })).toBeGreaterThanOrEqual(5)
    expect((await status(cut)).mode).toBe('HTTP')

    // restore P2P: back to P2P, HTTP off
    await setP2P(cut, true)
    const back = await waitFor('cut node back in P2P mode', async () => {
      const s = await status(cut)
      return s.mode === 'P2P' && !s.http_sync_enabled && s.peer_count === 2 ? s : undefined
    }, { timeoutMs: 30_000 })
    expect(back.started).toBe(true)
    expect(await metric(cut, 'lattice_sync_recoveries_total')).toBe(1)
    expect(await metric(cut, 'lattice_node_http_sync_enabled')).toBe(0)

    // and gossip works again from the restored node
    ids.push((await write(cut, 'after-restore')).id)
    await waitFor('every record everywhere after recovery', async () => await converged(lattice.nodes, ids), { timeoutMs: 30_000 })
    const states = await Promise.all(lattice.nodes.map(state))
    expect(states.every(s => s.record_count === ids.length)).toBe(true)
    expect(new Set(states.map(s => s.merkle_root)).size).toBe(1)
  })
})
