import { describe, expect, it } from '@jest/globals'
import { createRateLimiter } from './rate-limiter.js'

describe('rate limiter', () => {
  it('backs off per item exponentially from 5 ms to 1000 s, and forget resets', () => {
    const t = 0
    const rl = createRateLimiter({ burst: 1e9 }, { now: () => t })
    const delays = Array.from({ length: 20 }, () => rl.when('a'))
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80])
    expect(delays[19]).toBe(1_000_000)
    expect(Math.max(...delays)).toBe(1_000_000)
    expect(rl.retries('a')).toBe(20)
    expect(rl.when('b')).toBe(5)
    rl.forget('a')
    expect(rl.retries('a')).toBe(0)
    expect(rl.when('a')).toBe(5)
  })
  it('overall bucket: a burst of 100, then 10 per second', () => {
    let t = 0
    const rl = createRateLimiter({}, { now: () => t })
    // Distinct keys: each item's own backoff is only 5 ms.
    const first = Array.from({ length: 100 }, (_, i) => rl.when(`k${i}`))
    expect(first.every(d => d === 5)).toBe(true)
    expect(rl.when('k100')).toBe(100)
    expect(rl.when('k101')).toBe(200)
    t = 1000
    // One second later ten tokens came back, two of them already reserved.
    expect(rl.when('k102')).toBe(5)
  })
})
