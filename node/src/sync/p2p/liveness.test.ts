import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { createLiveness, MIN_SILENCE_MS, RTT_REFRESH_INTERVALS } from './liveness.js'

const A = peerIdFromString('12D3KooWSff7vVd9nXUKBRqA825xwPJUWb1ZGBW8XynqL2nBVzdi')
const B = peerIdFromString('12D3KooWKqhi4EvzUctiCjbHdUxM7C4epMg4pPsKD6ooLJGXMmFL')

describe('peer liveness', () => {
  beforeEach(() => { jest.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { jest.useRealTimers() })

  /** A and B connected; `answering` says who answers pings (after 10 ms). */
  function setup (answering: Set<string>): { silent: Array<[string, number]>, hungUp: string[], pings: string[], liveness: ReturnType<typeof createLiveness> } {
    const silent: Array<[string, number]> = []
    const pings: string[] = []
    const hungUp: string[] = []
    const connected: PeerId[] = [A, B]
    const liveness = createLiveness({ intervalMs: 1000 }, {
      peers: () => connected.filter(p => !hungUp.includes(p.toString())),
      ping: async (peer, signal) => await new Promise<number>((resolve, reject) => {
        pings.push(peer.toString())
        if (!answering.has(peer.toString())) { signal.addEventListener('abort', () => { reject(signal.reason) }); return }
        setTimeout(() => { resolve(10) }, 10)
      }),
      hangUp: async (peer) => { hungUp.push(peer.toString()) },
      onSilent: (peerId, ms) => { silent.push([peerId, ms]) }
    })
    return { silent, hungUp, pings, liveness }
  }

  it('hangs up a peer that answers nothing for the silence window, once, and keeps the others', async () => {
    const { silent, hungUp, liveness } = setup(new Set([A.toString()]))
    liveness.heard(A.toString())
    liveness.heard(B.toString())
    const heardAt = Date.now()
    liveness.start()
    await jest.advanceTimersByTimeAsync(MIN_SILENCE_MS - 1000)
    expect(hungUp).toEqual([])
    expect(liveness.rtt(A.toString())).toBe(10)
    await jest.advanceTimersByTimeAsync(2000)
    expect(hungUp).toEqual([B.toString()])
    expect(silent).toHaveLength(1)
    expect(silent[0][0]).toBe(B.toString())
    expect(silent[0][1]).toBeGreaterThan(MIN_SILENCE_MS)
    // its disconnect reports when it was last heard: the peerless time starts there
    expect(liveness.disconnected(B.toString())).toBe(heardAt)
    // a peer that left on its own reports nothing
    expect(liveness.disconnected(A.toString())).toBeUndefined()
    liveness.stop()
  })

  it('counts gossip as contact: a peer that sends keeps its connection without answering pings', async () => {
    const { hungUp, liveness } = setup(new Set())
    liveness.start()
    for (let i = 0; i < 10; i++) {
      liveness.heard(A.toString())
      await jest.advanceTimersByTimeAsync(1000)
    }
    expect(hungUp).toEqual([B.toString()])
    liveness.stop()
  })

  it('pings a peer that sends gossip only every few intervals, and every interval once it stops', async () => {
    const { hungUp, pings, liveness } = setup(new Set([A.toString(), B.toString()]))
    liveness.start()
    // the first round pings both (round-trip times for the status)
    expect(pings).toEqual([A.toString(), B.toString()])
    pings.length = 0
    for (let i = 0; i < RTT_REFRESH_INTERVALS; i++) {
      await jest.advanceTimersByTimeAsync(500)
      liveness.heard(A.toString())
      await jest.advanceTimersByTimeAsync(500)
    }
    // B every interval; A, sending all along, once more for its round-trip time
    expect(pings.filter(p => p === B.toString())).toHaveLength(RTT_REFRESH_INTERVALS)
    expect(pings.filter(p => p === A.toString())).toHaveLength(1)
    pings.length = 0
    // A goes quiet: pinged every interval again
    await jest.advanceTimersByTimeAsync(3000)
    expect(pings.filter(p => p === A.toString())).toHaveLength(3)
    expect(hungUp).toEqual([])
    liveness.stop()
  })
})
