/**
 * Chaos: every node of a three-node lattice killed (SIGKILL) and restarted in turn while writers keep
 * writing to the nodes that are up. Each restarted node must be ready and connected again before the
 * next goes down; at the end every acknowledged record is on every node and the roots are equal.
 * One round in make test, five in make chaos.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { waitFor } from '../../packages/testkit/src/index.js'
import { type Lattice, startConnectedLattice } from '../../packages/testkit/src/node/index.js'
import { SHORT_TIMINGS, status } from '../sync/helpers.js'
import { chaosReport, missingOn, sized, startWriters, waitConverged } from './chaos.js'

const ROUNDS = sized(1, 5)
const WRITERS = 12

describe('chaos: restarts of every node in turn while writing', () => {
  let lattice: Lattice | undefined
  afterAll(async () => { await lattice?.destroy() })

  it(`converges with nothing lost after ${ROUNDS} round(s) of restarting each node`, async () => {
    const l = lattice = await startConnectedLattice(3, { env: SHORT_TIMINGS })
    const down = new Set<number>()
    const writers = startWriters(() => l.nodes.map((node, index) => ({ index, node })).filter(t => !down.has(t.index)), WRITERS, 'restart')
    const started = Date.now()
    const rejoinMs: number[] = []
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        for (let i = 0; i < l.nodes.length; i++) {
          const acked = writers.acked.length
          await waitFor('writes acknowledged before the next restart', () => writers.acked.length >= acked + WRITERS * 2, { timeoutMs: 60_000, intervalMs: 20 })
          down.add(i)
          await l.nodes[i].kill('SIGKILL')
          const restartAt = Date.now()
          l.replace(i, await l.nodes[i].restart())
          down.delete(i)
          await waitFor(`node ${i} connected to both peers again`, async () => (await status(l.nodes[i])).peer_count === 2, { timeoutMs: 60_000, intervalMs: 100 })
          rejoinMs.push(Date.now() - restartAt)
        }
      }
    } finally {
      await writers.stop()
    }
    const convergeMs = await waitConverged(l.nodes, writers.acked, 120_000)
    const lost = (await Promise.all(l.nodes.map(async n => (await missingOn(n, writers.acked)).length))).reduce((a, b) => a + b, 0)
    chaosReport('restarts in turn while writing', {
      nodes: l.nodes.length,
      restarts: ROUNDS * l.nodes.length,
      'records acknowledged': writers.acked.length,
      'writes unanswered': writers.failed(),
      lost,
      'restart to connected ms (max)': Math.max(...rejoinMs),
      'time to converge after the last write ms': convergeMs,
      'total s': Math.round((Date.now() - started) / 1000)
    })
    expect(lost).toBe(0)
  }, sized(240_000, 900_000))
})
