import { describe, expect, it } from '@jest/globals'
import { ModeMachine, type ModeStep, type ModeView } from './mode.js'
import { TransitionFeed, transitionsOf, type SyncTransition } from './transitions.js'

/** Drives a real mode machine and collects the transitions each step causes. */
function drive (setting: 'auto' | 'p2p' | 'http', peerlessTimeoutMs = 1000) {
  const machine = new ModeMachine({ setting, peerlessTimeoutMs, now: 0 })
  let before: ModeView = machine.view()
  const events: SyncTransition[] = []
  const apply = (step: ModeStep, t: number): void => {
    events.push(...transitionsOf(before, step, t))
    before = step.view
  }
  return { machine, events, apply }
}

describe('sync transitions', () => {
  it('failover when the peerless timeout passes in auto, recovery after peers return and a catch-up', () => {
    const d = drive('auto')
    d.apply(d.machine.peers(1, 10), 10)
    d.apply(d.machine.peers(0, 20), 20)
    d.apply(d.machine.tick(500), 500)
    expect(d.events).toEqual([])
    d.apply(d.machine.tick(1020), 1020)
    expect(d.events).toEqual([{ t: 1020, kind: 'failover', from: 'NONE', to: 'HTTP' }])
    d.apply(d.machine.peers(1, 2000), 2000)
    expect(d.events).toHaveLength(1)
    d.apply(d.machine.catchupCompleted(2100), 2100)
    expect(d.events[1]).toEqual({ t: 2100, kind: 'recovery', from: 'HTTP', to: 'P2P' })
  })

  it('a configured change is a mode switch, never a failover or recovery', () => {
    const d = drive('auto')
    d.apply(d.machine.switch('http', 5), 5)
    d.apply(d.machine.switch('http', 6), 6)
    d.apply(d.machine.peers(1, 7), 7)
    d.apply(d.machine.switch('auto', 8), 8)
    expect(d.events).toEqual([
      { t: 5, kind: 'mode_switch', from: 'auto', to: 'http' },
      { t: 8, kind: 'mode_switch', from: 'http', to: 'auto' }
    ])
  })

  it('a switch to auto after the peerless timeout is the switch and the failover the automatic rules make at once', () => {
    const d = drive('p2p')
    d.apply(d.machine.tick(5000), 5000)
    const step = d.machine.switch('auto', 5001)
    expect(step.view.httpSyncEnabled).toBe(true)
    d.apply(step, 5001)
    expect(d.events).toEqual([
      { t: 5001, kind: 'mode_switch', from: 'p2p', to: 'auto' },
      { t: 5001, kind: 'failover', from: 'NONE', to: 'HTTP' }
    ])
  })

  it('p2p mode never fails over: peers going and coming are not transitions', () => {
    const d = drive('p2p')
    d.apply(d.machine.peers(1, 1), 1)
    d.apply(d.machine.peers(0, 2), 2)
    d.apply(d.machine.tick(10_000), 10_000)
    d.apply(d.machine.peers(1, 10_001), 10_001)
    expect(d.events).toEqual([])
  })

  it('the feed delivers to every listener even when one throws', () => {
    const errors: Error[] = []
    const feed = new TransitionFeed((err) => { errors.push(err) })
    const got: SyncTransition[] = []
    feed.on('transition', () => { throw new Error('listener broke') })
    feed.on('transition', (e) => { got.push(e) })
    const e: SyncTransition = { t: 1, kind: 'failover', from: 'NONE', to: 'HTTP' }
    feed.emit(e)
    expect(got).toEqual([e])
    expect(errors.map((x) => x.message)).toEqual(['listener broke'])
  })
})
