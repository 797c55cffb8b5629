import { describe, expect, it } from '@jest/globals'
import { createGossipBudget } from './rate-limit.js'

describe('gossip budget', () => {
  const init = { bytesPerSecond: 1000, burstBytes: 5000 }

  it('lets a burst through, then only the sustained rate', () => {
    const budget = createGossipBudget(init)
    expect(budget.take('a', 5000, 0)).toBe(true)
    expect(budget.take('a', 1, 0)).toBe(false)
    expect(budget.take('a', 500, 499)).toBe(false) // 499 bytes refilled
    expect(budget.take('a', 500, 500)).toBe(true)
    // a refused message takes nothing: the next one that fits goes through
    expect(budget.take('a', 2000, 1500)).toBe(false)
    expect(budget.take('a', 1000, 1500)).toBe(true)
  })

  it('keeps one bucket per peer, refilled up to the burst only', () => {
    const budget = createGossipBudget(init)
    expect(budget.take('a', 5000, 0)).toBe(true)
    expect(budget.take('b', 5000, 0)).toBe(true)
    expect(budget.take('a', 5001, 1_000_000)).toBe(false)
    expect(budget.take('a', 5000, 1_000_000)).toBe(true)
    budget.forget('b')
    expect(budget.take('b', 5000, 1)).toBe(true)
  })
})
