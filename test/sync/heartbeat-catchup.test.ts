/**
 * Acceptance: a node that missed gossip catches up when a peer's heartbeat shows a different root and
 * version vector ("a peer is ahead"). Node b sits in `http` mode with no lattice nodes, so it neither
 * processes gossip nor syncs over HTTP while a writes; switched to `p2p`, nothing but a's next heartbeat
 * can tell it what it lacks. While both write steadily, heartbeats that differ only by records still in
 * flight start no catch-up (counted as avoided) and the nodes still end with one root.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type Lattice, startConnectedLattice } from '../../packages/testkit/src/node/index.js'
import { converged, has, metric, SHORT_TIMINGS, state, status, switchMode, write } from './helpers.js'

describe('heartbeat-triggered catch-up', () => {
  let lattice: Lattice
  beforeAll(async () => {
    lattice = await startConnectedLattice(2, { env: SHORT_TIMINGS, nodeEnv: (i): Record<string, string> => i === 1 ? { AETHEL_LATTICE_NODES: '' } : {} })
    await waitFor('two nodes exchanging heartbeats', async () => (await Promise.all(lattice.nodes.map(status))).every(s => s.peers[0]?.last_heartbeat !== null), { timeoutMs: 30_000 })
  }, 120_000)
  afterAll(async () => { await lattice?.destroy() })

  it('pulls what a peer announces in its heartbeat', async () => {
    const [a, b] = lattice.nodes
    expect((await switchMode(b, 'http')).body).toMatchObject({ success: true, mode: 'http' })
    const missed = await write(a, 'missed-while-http')
    // several of a's heartbeats pass and b, which ignores gossip in http mode, still lacks the record
    const beats = await metric(a, 'lattice_gossip_published_total', { type: 'heartbeat' })
    await waitFor('three heartbeats of a', async () => await metric(a, 'lattice_gossip_published_total', { type: 'heartbeat' }) >= beats + 3, { timeoutMs: 20_000 })
    expect(await has(b, missed.id)).toBe(false)
    expect(await metric(b, 'lattice_http_sync_rounds_total')).toBe(0)

    expect((await switchMode(b, 'p2p')).body).toMatchObject({ success: true, mode: 'p2p' })
    await waitFor('b caught up after a heartbeat', async () => await has(b, missed.id), { timeoutMs: 20_000 })
    expect(await metric(b, 'lattice_catchup_records_total', { transport: 'p2p' })).toBeGreaterThanOrEqual(1)
    expect((await state(b)).merkle_root).toBe((await state(a)).merkle_root)
  })

  it('starts no catch-up for records still in flight during steady writing', async () => {
    const [a, b] = lattice.nodes
    const avoided = async (): Promise<number> => (await metric(a, 'lattice_sync_catchups_avoided_total')) + (await metric(b, 'lattice_sync_catchups_avoided_total'))
    const before = await avoided()
    const ids: string[] = []
    let i = 0
    // both write (so each heartbeat can show records the other has not applied yet) until heartbeats differed by records in flight
    await waitFor('a heartbeat explained by records in flight', async () => {
      const written = await Promise.all([write(a, `steady/a/${i}`), write(b, `steady/b/${i}`)])
      ids.push(...written.map(r => r.id))
      i++
      return await avoided() > before
    }, { timeoutMs: 60_000, intervalMs: 5 })
    await waitFor('one root after the writes', async () => await converged(lattice.nodes, ids), { timeoutMs: 30_000 })
  })
})
