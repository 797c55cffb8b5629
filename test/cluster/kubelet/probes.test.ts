import { describe, expect, it } from '@jest/globals'
import { ProbeTracker, resolvePort } from './probes.js'

describe('ProbeTracker', () => {
  it('needs failureThreshold consecutive failures and successThreshold successes', () => {
    const t = new ProbeTracker({ failureThreshold: 2, successThreshold: 2 })
    expect(t.record(true)).toBe(false)
    expect(t.state).toBe('unknown')
    expect(t.record(true)).toBe(true)
    expect(t.state).toBe('success')
    t.record(false)
    expect(t.state).toBe('success')
    t.record(true)
    t.record(false)
    expect(t.state).toBe('success')
    expect(t.record(false)).toBe(true)
    expect(t.state).toBe('failure')
  })
})

describe('resolvePort', () => {
  it('resolves numbers, numeric strings and named container ports', () => {
    const c = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }
    expect(resolvePort(c, 9000)).toBe(9000)
    expect(resolvePort(c, '9001')).toBe(9001)
    expect(resolvePort(c, 'http')).toBe(8080)
    expect(resolvePort(c, 'nope')).toBe(0)
  })
})
