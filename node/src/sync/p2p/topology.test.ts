import { describe, expect, it } from '@jest/globals'
import { FLOOD_MAX_NODES, neighbourPositions } from '../../../../packages/contracts/src/p2p-topology.js'
import { gossipTopology } from './topology.js'

describe('gossip topology', () => {
  it('floods without a mesh up to the threshold: every node is connected to every other', () => {
    for (const n of [1, 3, 5, FLOOD_MAX_NODES]) {
      expect(gossipTopology(n)).toMatchObject({ kind: 'flood', floodPublish: true, D: 0, Dlo: 0, Dhi: 0 })
    }
  })

  it('relays along a mesh of bounded degree past it, one the bounded neighbour sets can hold', () => {
    for (const n of [FLOOD_MAX_NODES + 1, 30, 50, 500]) {
      const t = gossipTopology(n)
      expect(t).toMatchObject({ kind: 'mesh', floodPublish: false })
      expect(t.Dout).toBeLessThan(t.Dlo)
      expect(t.Dout).toBeLessThanOrEqual(t.D / 2)
      expect(t.Dlo).toBeLessThanOrEqual(t.D)
      expect(t.D).toBeLessThanOrEqual(t.Dhi)
      // a node's neighbours fill its mesh to D: both ends dial, so connections >= neighbours
      expect(neighbourPositions(n, 0).length).toBeGreaterThanOrEqual(t.D)
    }
  })
})
