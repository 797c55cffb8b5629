import { describe, expect, it } from '@jest/globals'
import { ModeMachine } from './mode.js'

const T = 1_000

describe('mode machine', () => {
  it('auto: fails over after the peerless timeout, not before', () => {
    const m = new ModeMachine({ setting: 'auto', peerlessTimeoutMs: T, now: 0 })
    expect(m.peers(2, 10).view.effective).toBe('P2P')
    expect(m.peers(0, 100).view.effective).toBe('NONE')
    expect(m.tick(100 + T - 1).view.httpSyncEnabled).toBe(false)
    const step = m.tick(100 + T)
    expect(step.transition).toBe('failover')
    expect(step.view).toMatchObject({ effective: 'HTTP', httpSyncEnabled: true, gossipEnabled: true })
    expect(m.tick(100 + 5 * T).transition).toBeUndefined()
  })

  it('auto: a node that never had peers fails over counted from its start', () => {
    const m = new ModeMachine({ setting: 'auto', peerlessTimeoutMs: T, now: 50 })
    expect(m.tick(50 + T - 1).transition).toBeUndefined()
    expect(m.tick(50 + T).transition).toBe('failover')
  })

  it('auto: peers back do not recover until a P2P catch-up completed', () => {
    const m = new ModeMachine({ setting: 'auto', peerlessTimeoutMs: T, now: 0 })
    m.tick(T)
    const back = m.peers(1, 2 * T)
    expect(back.transition).toBeUndefined()
    expect(back.view).toMatchObject({ effective: 'HTTP', httpSyncEnabled: true, awaitingCatchup: true })
    const rec = m.catchupCompleted(2 * T + 5)
    expect(rec.transition).toBe('recovery')
    expect(rec.view).toMatchObject({ effective: 'P2P', httpSyncEnabled: false, awaitingCatchup: false })
  })

  it('auto: a catch-up without peers does not recover; a brief peer blip does not fail over', () => {
    const m = new ModeMachine({ setting: 'auto', peerlessTimeoutMs: T, now: 0 })
    m.tick(T)
    expect(m.catchupCompleted(T + 1).transition).toBeUndefined()
    expect(m.view().httpSyncEnabled).toBe(true)
    const m2 = new ModeMachine({ setting: 'auto', peerlessTimeoutMs: T, now: 0 })
    m2.peers(1, 1)
    m2.peers(0, 100)
    m2.peers(1, 100 + T - 10)
    expect(m2.tick(100 + 3 * T).view.httpSyncEnabled).toBe(false)
  })

  it('p2p never enables HTTP; http never gossips; back to auto resumes', () => {
    const m = new ModeMachine({ setting: 'p2p', peerlessTimeoutMs: T, now: 0 })
    expect(m.tick(10 * T).view).toMatchObject({ httpSyncEnabled: false, effective: 'NONE', gossipEnabled: true })
    const h = m.switch('http', 10 * T)
    expect(h.transition).toBeUndefined()
    expect(h.view).toMatchObject({ httpSyncEnabled: true, effective: 'HTTP', gossipEnabled: false })
    m.peers(2, 11 * T)
    expect(m.view().effective).toBe('HTTP')
    const a = m.switch('auto', 12 * T)
    expect(a.view).toMatchObject({ setting: 'auto', httpSyncEnabled: true, awaitingCatchup: true, gossipEnabled: true })
    expect(m.catchupCompleted(12 * T + 1).transition).toBe('recovery')
    expect(m.view().effective).toBe('P2P')
    // and automatic failover works again
    m.peers(0, 13 * T)
    expect(m.tick(14 * T).transition).toBe('failover')
  })

  it('switching to auto while peerless for long fails over at once', () => {
    const m = new ModeMachine({ setting: 'p2p', peerlessTimeoutMs: T, now: 0 })
    const s = m.switch('auto', 5 * T)
    expect(s.transition).toBe('failover')
    expect(s.view.httpSyncEnabled).toBe(true)
  })
})
