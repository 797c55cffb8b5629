import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { createLiveness, MIN_SILENCE_MS } from './liveness.js'

const A = peerIdFromString('12D3KooWSff7vVd9nXUKBRqA825xwPJUWb1ZGBW8XynqL2nBVzdi')
const B = peerIdFromString('12D3KooWKqhi4EvzUctiCjbHdUxM7C4epMg4pPsKD6ooLJGXMmFL')

describe('peer liveness', () => {
  beforeEach(() => { jest.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { jest.useRealTimers() })

  /** A and B connected; `answering` says who answers pings (after 10 ms). */
  function setup (answering: Set<string>): { silent: Array<[string, number]>, hungUp: string[], liveness: ReturnType<typeof createLiveness> } {
    const silent: Array<[string, number]> = []
    const hungUp: string[] = []
    const connected: PeerId[] = [A, B]
    const liveness = createLiveness({ intervalMs: 1000 }, {
      peers: () => connected.filter(p => !hungUp.includes(p.toString())),
      ping: async (peer, signal) => await new Promise<number>((resolve, reject) => {
        if (!answering.has(peer.toString())) { signal.addEventListener('abort', () => { reject(signal.reason) }); return }
        setTimeout(() => { resolve(10) }, 10)
      }),
      hangUp: async (peer) => { hungUp.push(peer.toString()) },
      onSilent: (peerId, ms) => { silent.push([peerId, ms]) }
    })
    return { silent, hungUp, liveness }
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
})
