import { describe, expect, it } from '@jest/globals'
import { createTimelineSampler } from './sampler.js'
import type { P2PStatus } from '../sync/interface.js'
import { TransitionFeed, type SyncTransition } from '../sync/transitions.js'
import { p2pStatus } from '../../../packages/testkit/src/fixtures/index.js'

const baseStatus = (): P2PStatus => p2pStatus({ merkle_root: 'cd'.repeat(32) })

/** A status source and clock the test drives by hand. */
function harness (init: { sampleIntervalMs?: number, windowMs?: number, checkIntervalMs?: number } = {}) {
  let now = 1_700_000_000_000
  let current = baseStatus()
  let failing = false
  const transitions = new TransitionFeed((err) => { throw err })
  const sampler = createTimelineSampler({ peerlessTimeoutMs: 60_000, ...init }, {
    clock: { now: () => now },
    transitions,
    status: () => {
      if (failing) throw new Error('sync not started')
      return current
    }
  })
  return {
    sampler,
    advance (ms: number) { now += ms },
    set (over: Partial<P2PStatus>) { current = { ...current, ...over } },
    fail (v: boolean) { failing = v },
    /** The sync service announcing a transition now. */
    transition (e: Omit<SyncTransition, 't'>) { transitions.emit({ ...e, t: now } as SyncTransition) },
    transitions,
    now: () => now
  }
}

describe('timeline sampler', () => {
  it('stores a sample every 5 s while checking every second, and reports its settings', () => {
    const h = harness()
    for (let i = 0; i <= 20; i++) {
      h.sampler.tick()
      h.advance(1_000)
    }
    const tl = h.sampler.timeline()
    // ticks at 0..20 s: samples at 0, 5, 10, 15, 20 s
    expect(tl.samples.map(s => s.t - tl.samples[0].t)).toEqual([0, 5_000, 10_000, 15_000, 20_000])
    expect(tl.window_ms).toBe(15 * 60_000)
    expect(tl.sample_interval_ms).toBe(5_000)
    expect(tl.peerless_timeout_ms).toBe(60_000)
    expect(tl.now).toBe(h.now())
  })

  it('shows the transitions of the sync service at the time they happened, between samples', () => {
    const h = harness()
    h.sampler.tick()
    h.advance(2_000)
    const failoverAt = h.now()
    h.transition({ kind: 'failover', from: 'NONE', to: 'HTTP' })
    h.advance(1_000)
    const recoveryAt = h.now()
    h.transition({ kind: 'recovery', from: 'HTTP', to: 'P2P' })
    h.sampler.tick()
    const tl = h.sampler.timeline()
    expect(tl.events).toEqual([
      { t: failoverAt, kind: 'failover', from: 'NONE', to: 'HTTP' },
      { t: recoveryAt, kind: 'recovery', from: 'HTTP', to: 'P2P' }
    ])
    expect(tl.samples).toHaveLength(1)
  })

  it('derives no event from the status itself: a mode change it did not hear of is only a sample', () => {
    const h = harness()
    h.sampler.tick()
    h.advance(5_000)
    h.set({ mode: 'HTTP', peer_count: 0, has_peers: false, http_sync_enabled: true })
    h.sampler.tick()
    expect(h.sampler.timeline().events).toEqual([])
    expect(h.sampler.timeline().samples.map(s => s.mode)).toEqual(['P2P', 'HTTP'])
  })

  it('stops listening when stopped', () => {
    const h = harness()
    h.sampler.stop()
    h.transition({ kind: 'mode_switch', from: 'auto', to: 'http' })
    expect(h.sampler.timeline().events).toEqual([])
  })

  it('computes records per second from the record count', () => {
    const h = harness()
    h.sampler.tick()
    h.advance(5_000)
    h.set({ record_count: 250 })
    h.sampler.tick()
    expect(h.sampler.timeline().samples.map(s => s.records_per_second)).toEqual([0, 50])
  })

  it('keeps only the window', () => {
    const h = harness({ windowMs: 60_000 })
    h.sampler.tick()
    h.transition({ kind: 'mode_switch', from: 'auto', to: 'http' })
    h.set({ sync_mode: 'http', mode: 'HTTP' })
    h.advance(5_000)
    h.sampler.tick()
    for (let i = 0; i < 30; i++) {
      h.advance(5_000)
      h.sampler.tick()
    }
    const tl = h.sampler.timeline()
    expect(tl.samples.length).toBeLessThanOrEqual(13)
    expect(tl.samples[0].t).toBeGreaterThanOrEqual(h.now() - 60_000)
    // the switch happened 150 s ago: out of the window
    expect(tl.events).toEqual([])
  })

  it('leaves a gap instead of failing when the status is unavailable', () => {
    const h = harness()
    h.fail(true)
    h.sampler.tick()
    expect(h.sampler.timeline().samples).toEqual([])
    h.fail(false)
    h.advance(1_000)
    h.sampler.tick()
    expect(h.sampler.timeline().samples).toHaveLength(1)
  })

  it('samples on its own timer once started, and stops', async () => {
    let calls = 0
    const sampler = createTimelineSampler({ sampleIntervalMs: 50, checkIntervalMs: 10 }, {
      status: () => { calls++; return baseStatus() }
    })
    sampler.start()
    sampler.start()
    const deadline = Date.now() + 10_000
    while (sampler.timeline().samples.length < 3 && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    sampler.stop()
    expect(sampler.timeline().samples.length).toBeGreaterThanOrEqual(3)
    const after = calls
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(calls).toBe(after)
  })
})
