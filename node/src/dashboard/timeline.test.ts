import { describe, expect, it } from '@jest/globals'
import { makeSample, sampleDue, trimBefore } from './timeline.js'
import { p2pStatus } from '../../../packages/testkit/src/fixtures/index.js'

const status = p2pStatus

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
