/**
 * Chaos: partitions with writes on both sides. Every node runs in its own network namespace; the cut
 * drops every packet between the two sides (P2P and HTTP sync alike, silently), while the test still
 * reaches every node and keeps writing to all of them. The sides must really be apart (a record
 * written on one side is not on the other during the cut); after the heal every acknowledged record is
 * on every node and the roots are equal. One node cut from two, and a pair cut from a pair; the cut
 * lasts 8 s in make test, 30 s in make chaos.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { waitFor } from '../../packages/testkit/src/index.js'
import { type Lattice, startConnectedLattice } from '../../packages/testkit/src/node/index.js'
import { has, SHORT_TIMINGS, status } from '../sync/helpers.js'
import { chaosReport, missingOn, sized, startWriters, waitConverged } from './chaos.js'
import { createNetnsLab, netnsSkipReason, type NetnsLab } from './netns.js'

const CUT_MS = sized(8000, 30_000)
const WRITERS = 8

const skipReason = netnsSkipReason()
if (skipReason !== null) process.stderr.write(`test/chaos/partitions: not run: ${skipReason}\n`)
const describeNetns = skipReason === null ? describe : describe.skip

describeNetns('chaos: partitions with writes on both sides', () => {
  let lab: NetnsLab | undefined
  let lattice: Lattice | undefined
  afterEach(async () => {
    await lattice?.destroy()
    lab?.destroy()
    lattice = undefined
    lab = undefined
  })

  async function partition (scenario: string, sideA: number[], sideB: number[]): Promise<void> {
    const n = sideA.length + sideB.length
    const l = lab = createNetnsLab(n)
    const net = lattice = await startConnectedLattice(n, { env: SHORT_TIMINGS, placement: i => ({ host: l.ip(i), httpPort: 8080, p2pPort: 4001, wrap: l.wrap(i) }) })
    const nodes = net.nodes
    const writers = startWriters(() => nodes.map((node, index) => ({ index, node })), WRITERS, 'partition')
    try {
      await waitFor('writes acknowledged before the cut', () => writers.acked.length >= WRITERS * 4, { timeoutMs: 60_000, intervalMs: 20 })
      const beforeCut = writers.acked.length
      l.cut(sideA, sideB)
      const cutAt = Date.now()
      // Each side sees only its own nodes once the silent peers are noticed.
      await waitFor('each side has lost the other side\'s peers', async () => (await Promise.all(nodes.map(status))).every((s, i) => s.peer_count === (sideA.includes(i) ? sideA.length : sideB.length) - 1), { timeoutMs: 60_000, intervalMs: 200 })
      const detectedMs = Date.now() - cutAt
      await waitFor('the cut lasted its time', () => Date.now() - cutAt >= CUT_MS, { timeoutMs: CUT_MS + 5000, intervalMs: 200 })
      const duringCut = writers.acked.slice(beforeCut)
      const onA = duringCut.filter(a => sideA.includes(a.target))
      const onB = duringCut.filter(a => sideB.includes(a.target))
      expect(onA.length).toBeGreaterThan(0)
      expect(onB.length).toBeGreaterThan(0)
      // The partition is real: what one side wrote late in the cut has not reached the other (the
      // first writes of the cut may have been applied and gossiped just before it).
      expect(await has(nodes[sideB[0]], onA[onA.length - 1].id)).toBe(false)
      expect(await has(nodes[sideA[0]], onB[onB.length - 1].id)).toBe(false)
      l.heal()
      const healAt = Date.now()
      await writers.stop()
      await waitConverged(nodes, writers.acked, 120_000)
      const convergeMs = Date.now() - healAt
      await waitFor('every node connected to every other again', async () => (await Promise.all(nodes.map(status))).every(s => s.peer_count === n - 1), { timeoutMs: 60_000, intervalMs: 200 })
      const lost = (await Promise.all(nodes.map(async node => (await missingOn(node, writers.acked)).length))).reduce((a, b) => a + b, 0)
      chaosReport(scenario, {
        nodes: n,
        'cut s': CUT_MS / 1000,
        'peers lost after ms': detectedMs,
        'records acknowledged': writers.acked.length,
        'during the cut (side A / side B)': `${onA.length} / ${onB.length}`,
        lost,
        'time to converge after the heal ms': convergeMs
      })
      expect(lost).toBe(0)
    } finally {
      await writers.stop()
    }
  }

  it('one node cut from the other two converges with nothing lost after the heal', async () => {
    await partition('partition of one node', [2], [0, 1])
  }, 300_000)

  it('a pair cut from a pair converges with nothing lost after the heal', async () => {
    await partition('partition of a pair', [0, 1], [2, 3])
  }, 300_000)
})
