/**
 * Acceptance: manual modes on real processes. `mode=http` never gossips (records still reach the others
 * over HTTP), `mode=p2p` never polls HTTP even when peerless, and switching back to `auto` resumes the
 * automatic behaviour (recovery to P2P with peers, failover to HTTP without).
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type Lattice, startConnectedLattice } from '../../packages/testkit/src/node/index.js'
import { converged, SHORT_TIMINGS, metric, setP2P, status, switchMode, write } from './helpers.js'

describe('manual sync modes', () => {
  let lattice: Lattice
  beforeAll(async () => {
    lattice = await startConnectedLattice(3, { env: SHORT_TIMINGS })
  }, 120_000)
  afterAll(async () => { await lattice?.destroy() })

  it('validates the switch: token required, bad mode 400', async () => {
    const a = lattice.nodes[0]
    expect((await a.api('/api/lattice/sync/switch?mode=http', { method: 'POST', auth: false })).status).toBe(401)
    const bad = await switchMode(a, 'turbo')
    expect(bad.status).toBe(400)
    expect(bad.body.error?.code).toBeDefined()
    expect((await status(a)).sync_mode).toBe('auto')
  })

  it('mode=http never gossips; back to auto recovers to P2P', async () => {
    const [a, b, c] = lattice.nodes
    // Under load a node can fail over once at start, before its peers connect: count from here.
    const failoversBefore = await metric(a, 'lattice_sync_failovers_total')
    const roundsBefore = await metric(a, 'lattice_http_sync_rounds_total')
    const res = await switchMode(a, 'http')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ success: true, mode: 'http' })
    expect(typeof res.body.message).toBe('string')
    const s = await status(a)
    expect(s).toMatchObject({ sync_mode: 'http', mode: 'HTTP', http_sync_enabled: true })
    const published = await metric(a, 'lattice_gossip_published_total', { type: 'record' })

    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await write(a, `http-mode-${i}`)).id)
    await waitFor('http-mode writes everywhere', async () => await converged(lattice.nodes, ids), { timeoutMs: 30_000 })
    expect(await metric(a, 'lattice_gossip_published_total', { type: 'record' })).toBe(published)
    await waitFor('a completed HTTP round', async () => await metric(a, 'lattice_http_sync_rounds_total') > roundsBefore, { timeoutMs: 20_000 })
    // a manual switch is not a failover
    expect(await metric(a, 'lattice_sync_failovers_total')).toBe(failoversBefore)

    const back = await switchMode(a, 'auto')
    expect(back.body).toMatchObject({ success: true, mode: 'auto' })
    await waitFor('a back in P2P after switching to auto', async () => {
      const st = await status(a)
      return st.sync_mode === 'auto' && st.mode === 'P2P' && !st.http_sync_enabled
    }, { timeoutMs: 20_000 })
    ids.push((await write(a, 'auto-again')).id)
    await waitFor('gossip again', async () => await converged([a, b, c], ids), { timeoutMs: 20_000 })
    expect(await metric(a, 'lattice_gossip_published_total', { type: 'record' })).toBeGreaterThan(published)
  })

  it('mode=p2p never polls HTTP, even peerless; back to auto fails over', async () => {
    const [a, b, c] = lattice.nodes
    expect((await switchMode(a, 'p2p')).body).toMatchObject({ success: true, mode: 'p2p' })
    const failoversA = await metric(a, 'lattice_sync_failovers_total')
    await setP2P(a, false)
    await setP2P(b, false)
    // b (auto) fails over and polls; a (p2p) must not
    await waitFor('b failed over', async () => (await status(b)).mode === 'HTTP', { timeoutMs: 20_000 })
    const roundsA = await metric(a, 'lattice_http_sync_rounds_total')
    const errorsA = await metric(a, 'lattice_http_sync_errors_total')
    const roundsB = await metric(b, 'lattice_http_sync_rounds_total')
    await waitFor('b polled three more times', async () => await metric(b, 'lattice_http_sync_rounds_total') >= roundsB + 3, { timeoutMs: 20_000 })
    const sa = await status(a)
    expect(sa).toMatchObject({ sync_mode: 'p2p', mode: 'NONE', http_sync_enabled: false, peer_count: 0 })
    expect(await metric(a, 'lattice_http_sync_rounds_total')).toBe(roundsA)
    expect(await metric(a, 'lattice_http_sync_errors_total')).toBe(errorsA)
    expect(await metric(a, 'lattice_sync_failovers_total')).toBe(failoversA)

    // back to auto while still peerless: the automatic failover happens
    await switchMode(a, 'auto')
    await waitFor('a failed over after switching to auto', async () => {
      const st = await status(a)
      return st.mode === 'HTTP' && st.http_sync_enabled
    }, { timeoutMs: 20_000 })
    expect(await metric(a, 'lattice_sync_failovers_total')).toBe(failoversA + 1)

    await setP2P(a, true)
    await setP2P(b, true)
    await waitFor('all back in P2P', async () => (await Promise.all([a, b, c].map(status))).every(st => st.mode === 'P2P' && !st.http_sync_enabled && st.peer_count === 2), { timeoutMs: 30_000 })
  })
})
