import { describe, expect, it } from '@jest/globals'
import { SingleFlight } from './single-flight.js'

describe('single flight', () => {
  it('runs once per key at a time and once more after a burst of triggers', async () => {
    const sf = new SingleFlight()
    const runs: string[] = []
    let release: () => void = () => {}
    const task = (key: string) => async () => {
      runs.push(key)
      if (runs.length === 1) await new Promise<void>(resolve => { release = resolve })
    }
    sf.trigger('a', task('a'))
    sf.trigger('a', task('a'))
    sf.trigger('a', task('a'))
    sf.trigger('b', task('b'))
    expect(sf.isRunning('a')).toBe(true)
    release()
    await sf.settled()
    expect(runs.filter(r => r === 'a')).toHaveLength(2)
    expect(runs.filter(r => r === 'b')).toHaveLength(1)
    expect(sf.isRunning('a')).toBe(false)
  })

  it('skips the follow-up when told to stop', async () => {
    const sf = new SingleFlight()
    let n = 0
    let release: () => void = () => {}
    sf.trigger('a', async () => { n++; if (n === 1) await new Promise<void>(resolve => { release = resolve }) }, () => false)
    sf.trigger('a', async () => {})
    release()
    await sf.settled()
    expect(n).toBe(1)
  })
})
