/**
 * Past eight nodes (packages/contracts p2p-topology.ts): twelve real node processes, each given only its
 * bounded neighbour set as bootstrap peers (as the operator's peers file does), connect to those alone,
 * and a gossipsub mesh relays every record to every node, also to the nodes not connected to the origin.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { waitFor } from '../../packages/testkit/src/index.js'
import { startLattice, type Lattice } from '../../packages/testkit/src/node/index.js'
import { neighbourPositions } from '../../packages/contracts/src/p2p-topology.js'
import { metric, state, status, write } from './helpers.js'

const N = 12

describe('a twelve-node lattice with bounded bootstrap sets', () => {
  let lattice: Lattice
  beforeAll(async () => {
    // a 2-core CI machine: start the processes a few at a time
    lattice = await startLattice(N, {
      // fresh ledgers: no own-head wait (the first waves' neighbours start later)
      env: { AETHEL_HEARTBEAT_INTERVAL: '1', AETHEL_LOG_LEVEL: 'info', AETHEL_OWN_HEAD_TIMEOUT: '0' },
      bootstrap: neighbourPositions,
      startConcurrency: 4
    })
  }, 240_000)
  afterAll(async () => { await lattice?.destroy() })

  it('connects each node to its neighbours only, and picks the mesh topology', async () => {
    await waitFor('every node connected to its neighbours in P2P mode', async () => {
      const all = await Promise.all(lattice.nodes.map(status))
      return all.every((s, i) => s.mode === 'P2P' && neighbourPositions(N, i).every(j => s.peers.some(p => p.peer_id === lattice.nodes[j].peerId)))
    }, { timeoutMs: 120_000, intervalMs: 250 })
    const all = await Promise.all(lattice.nodes.map(status))
    for (const [i, s] of all.entries()) {
      // nobody dials a non-neighbour: the peers are exactly the neighbour set, fewer than N - 1
      expect(s.peers.map(p => p.peer_id).sort()).toEqual(neighbourPositions(N, i).map(j => lattice.nodes[j].peerId).sort())
      expect(s.peer_count).toBeLessThan(N - 1)
    }
    for (const node of lattice.nodes) {
      expect(node.logs()).toMatch(/"gossip_topology":"mesh"/)
      expect(node.logs()).not.toMatch(/"gossip_topology":"flood"/)
    }
  })

  it('delivers every record to every node, relayed to the nodes not connected to the origin', async () => {
    const converged = async (count: number): Promise<void> => {
      await waitFor(`${count} records on all ${N} nodes with equal roots`, async () => {
        const states = await Promise.all(lattice.nodes.map(state))
        return states.every(s => s.record_count === count) && new Set(states.map(s => s.merkle_root)).size === 1
      }, { timeoutMs: 120_000, intervalMs: 250 })
    }
    for (let k = 0; k < 30; k++) await write(lattice.nodes[0], `scale/0/${k}`)
    await converged(30)
    // the nodes not connected to the origin got its records by gossip (the propagation histogram
    // counts records that arrived by gossip, not by catch-up)
    const far = lattice.nodes.filter((_, i) => i !== 0 && !neighbourPositions(N, 0).includes(i))
    expect(far.length).toBeGreaterThan(0)
    for (const node of far) {
      expect(await metric(node, 'lattice_gossip_propagation_seconds_count')).toBeGreaterThan(0)
    }
    // and from another origin
    for (let k = 0; k < 10; k++) await write(lattice.nodes[5], `scale/5/${k}`)
    await converged(40)
  })
})
