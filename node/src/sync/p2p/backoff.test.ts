import { describe, expect, it } from '@jest/globals'
import { afterFailure, afterSuccess, initialDialState } from './backoff.js'

describe('redial backoff', () => {
  it('doubles from the minimum up to the cap and resets on success', () => {
    const b = { minMs: 250, maxMs: 2000 }
    let s = initialDialState(0)
    expect(s.nextAt).toBe(0)
    const delays: number[] = []
    for (let i = 0; i < 6; i++) {
      s = afterFailure(s, 1000, b)
      delays.push(s.nextAt - 1000)
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 2000, 2000])
    expect(afterSuccess(5000)).toEqual({ failures: 0, nextAt: 5000 })
  })
})
