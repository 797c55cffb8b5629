import { describe, expect, it } from '@jest/globals'
import { detectEvents, makeSample, observe, sampleDue, trimBefore } from './timeline.js'
import type { P2PStatus } from '../sync/interface.js'
import { p2pStatus } from '../../../packages/testkit/src/fixtures/index.js'

const status = p2pStatus

describe('detectEvents', () => {
  const look = (mode: P2PStatus['mode'], syncMode: P2PStatus['sync_mode'] = 'auto', lastActive: 'P2P' | 'HTTP' | null = null) =>
    ({ mode, sync_mode: syncMode, last_active: lastActive })

  it('reports nothing for the first look or when nothing changed', () => {
    expect(detectEvents(undefined, look('HTTP', 'auto', 'HTTP'), 1)).toEqual([])
    expect(detectEvents(look('P2P', 'auto', 'P2P'), look('P2P', 'auto', 'P2P'), 1)).toEqual([])
  })

  it('marks a change to HTTP as failover and a return from HTTP to P2P as recovery', () => {
    expect(detectEvents(look('P2P', 'auto', 'P2P'), look('HTTP', 'auto', 'HTTP'), 10))
      .toEqual([{ t: 10, kind: 'failover', from: 'P2P', to: 'HTTP' }])
    expect(detectEvents(look('NONE', 'auto', 'P2P'), look('HTTP', 'auto', 'HTTP'), 11))
      .toEqual([{ t: 11, kind: 'failover', from: 'NONE', to: 'HTTP' }])
    expect(detectEvents(look('HTTP', 'auto', 'HTTP'), look('P2P', 'auto', 'P2P'), 12))
      .toEqual([{ t: 12, kind: 'recovery', from: 'HTTP', to: 'P2P' }])
  })

  it('does not mark start-up or a short loss of peers (NONE ↔ P2P without HTTP)', () => {
    expect(detectEvents(look('P2P', 'auto', 'P2P'), look('NONE', 'auto', 'P2P'), 5)).toEqual([])
    expect(detectEvents(look('NONE', 'auto', 'P2P'), look('P2P', 'auto', 'P2P'), 6)).toEqual([])
    expect(detectEvents(look('NONE', 'auto', null), look('P2P', 'auto', 'P2P'), 7)).toEqual([])
  })

  it('reports a change of the configured mode as a manual switch, not as a failover', () => {
    expect(detectEvents(look('P2P', 'auto', 'P2P'), look('HTTP', 'http', 'HTTP'), 20))
      .toEqual([{ t: 20, kind: 'mode_switch', from: 'auto', to: 'http' }])
  })
})

describe('observe', () => {
  it('remembers the last active mode through NONE', () => {
    const a = observe(undefined, { mode: 'HTTP', sync_mode: 'auto' })
    const b = observe(a, { mode: 'NONE', sync_mode: 'auto' })
    expect(b.last_active).toBe('HTTP')
    expect(detectEvents(b, observe(b, { mode: 'P2P', sync_mode: 'auto' }), 1)).toEqual([{ t: 1, kind: 'recovery', from: 'NONE', to: 'P2P' }])
    expect(observe(undefined, { mode: 'NONE', sync_mode: 'auto' }).last_active).toBe(null)
  })
})

describe('makeSample', () => {
  it('copies the status fields and measures records per second against the previous sample', () => {
    const first = makeSample(undefined, status({ record_count: 100 }), 1_000)
    expect(first).toEqual({ t: 1_000, peer_count: 2, mode: 'P2P', http_sync_enabled: false, record_count: 100, records_per_second: 0 })
    const second = makeSample(first, status({ record_count: 150, peer_count: 0, mode: 'HTTP', http_sync_enabled: true }), 6_000)
    expect(second).toEqual({ t: 6_000, peer_count: 0, mode: 'HTTP', http_sync_enabled: true, record_count: 150, records_per_second: 10 })
  })

  it('never reports a negative rate', () => {
    const first = makeSample(undefined, status({ record_count: 100 }), 0)
    expect(makeSample(first, status({ record_count: 40 }), 5_000).records_per_second).toBe(0)
  })
})

describe('sampleDue / trimBefore', () => {
  it('is due for the first sample and after the interval less the tolerance', () => {
    expect(sampleDue(undefined, 0, 5_000, 500)).toBe(true)
    const s = makeSample(undefined, status(), 10_000)
    expect(sampleDue(s, 14_400, 5_000, 500)).toBe(false)
    expect(sampleDue(s, 14_500, 5_000, 500)).toBe(true)
  })

  it('drops entries older than the cutoff and keeps the rest in order', () => {
    const entries = [{ t: 1 }, { t: 5 }, { t: 9 }]
    expect(trimBefore(entries, 0)).toBe(entries)
    expect(trimBefore(entries, 5)).toEqual([{ t: 5 }, { t: 9 }])
    expect(trimBefore(entries, 10)).toEqual([])
  })
})
