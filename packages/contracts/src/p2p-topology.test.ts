import { describe, expect, it } from '@jest/globals'
import { FLOOD_MAX_NODES, neighbourPositions } from './p2p-topology.js'

/** Hops from node 0 to every node (breadth-first over neighbourPositions); -1 = unreachable. */
function hops (count: number): number[] {
  const dist = Array.from({ length: count }, () => -1)
  dist[0] = 0
  const queue = [0]
  while (queue.length > 0) {
    const i = queue.shift() as number
    for (const j of neighbourPositions(count, i)) {
      if (dist[j] === -1) { dist[j] = dist[i] + 1; queue.push(j) }
    }
  }
  return dist
}

describe('neighbourPositions', () => {
  it('is every other node up to the flood threshold', () => {
    expect(neighbourPositions(1, 0)).toEqual([])
    expect(neighbourPositions(3, 1)).toEqual([0, 2])
    expect(neighbourPositions(FLOOD_MAX_NODES, 0)).toEqual(Array.from({ length: FLOOD_MAX_NODES - 1 }, (_, i) => i + 1))
  })

  it('is a ring with chords past it: ±1 and ±n^(1/4), ±n^(2/4), ±n^(3/4) around the node', () => {
    // 30 nodes: offsets 1, 2, 5, 13
    expect(neighbourPositions(30, 0)).toEqual([1, 2, 5, 13, 17, 25, 28, 29])
    expect(neighbourPositions(30, 15)).toEqual([2, 10, 13, 14, 16, 17, 20, 28])
    // 50 nodes: offsets 1, 3, 7, 19
    expect(neighbourPositions(50, 49)).toEqual([0, 2, 6, 18, 30, 42, 46, 48])
    // offsets that coincide or land on the same node count once (9 nodes: 1, 2, 3; 12: 1, 2, 3, 6)
    expect(neighbourPositions(9, 0)).toEqual([1, 2, 3, 6, 7, 8])
    expect(neighbourPositions(12, 0)).toEqual([1, 2, 3, 6, 9, 10, 11])
  })

  it('never grows with the network, is symmetric, and keeps the network connected within a few hops', () => {
    for (const count of [9, 10, 12, 17, 30, 50, 100, 500]) {
      let most = 0
      for (let i = 0; i < count; i++) {
        const mine = neighbourPositions(count, i)
        most = Math.max(most, mine.length)
        expect(mine).not.toContain(i)
        for (const j of mine) expect(neighbourPositions(count, j)).toContain(i)
      }
      expect(most).toBeLessThanOrEqual(8)
      const dist = hops(count)
      expect(dist.every(d => d >= 0)).toBe(true)
      expect(Math.max(...dist)).toBeLessThanOrEqual(Math.ceil(Math.log2(count)) + 2)
    }
  })

  it('refuses a position outside the network', () => {
    expect(() => neighbourPositions(5, 5)).toThrow(RangeError)
    expect(() => neighbourPositions(5, -1)).toThrow(RangeError)
  })
})
