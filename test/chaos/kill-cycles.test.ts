/**
 * Chaos: SIGKILL during ingest, again and again. One node process takes single-record writes from 16
 * concurrent writers; at a random moment it is killed with SIGKILL and started again on the same data.
 * After every restart each record it acknowledged before the kill is there and the integrity check
 * is healthy. 5 cycles in make test, 100 in make chaos.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { waitFor } from '../../packages/testkit/src/index.js'
import { startStandaloneNode, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { chaosReport, heldIds, integrityVerdict, sized, startWriters, type Acked } from './chaos.js'

const CYCLES = sized(5, 100)
const WRITERS = 16

describe('chaos: kill -9 during ingest', () => {
  let first: Awaited<ReturnType<typeof startStandaloneNode>> | undefined
  let current: NodeProcess | undefined
  afterAll(async () => {
    await current?.kill('SIGKILL')
    await first?.destroy()
  })

  it(`loses no acknowledged record over ${CYCLES} SIGKILL cycles with ${WRITERS} writers`, async () => {
    first = await startStandaloneNode('chaos-kill-')
    let node: NodeProcess = first
    current = node
    let up = true
    const writers = startWriters(() => up ? [{ index: 0, node }] : [], WRITERS, 'kill')
    const started = Date.now()
    let lost = 0
    let checkedFrom = 0
    try {
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        // Once the writers are going again, let them run 0.3-1.5 s more, then kill in the middle of their requests.
        const ackedBefore = writers.acked.length
        await waitFor('writes acknowledged after the restart', () => writers.acked.length >= ackedBefore + WRITERS, { timeoutMs: 60_000, intervalMs: 20 })
        await new Promise(resolve => setTimeout(resolve, 300 + Math.floor(Math.random() * 1200)))
        up = false
        await node.kill('SIGKILL')
        const atRisk: Acked[] = writers.acked.slice(checkedFrom)
        node = await node.restart()
        current = node
        const verdict = await integrityVerdict(node, 120_000)
        const held = await heldIds(node)
        const missing = atRisk.filter(a => !held.has(a.id))
        lost += missing.length
        expect({ cycle, verdict: verdict.status, missing: missing.map(m => m.id) }).toEqual({ cycle, verdict: 'healthy', missing: [] })
        checkedFrom += atRisk.length
        up = true
      }
    } finally {
      await writers.stop()
    }
    const held = await heldIds(node)
    const missing = writers.acked.filter(a => !held.has(a.id)).length
    chaosReport('kill -9 during ingest', {
      cycles: CYCLES,
      writers: WRITERS,
      'records acknowledged': writers.acked.length,
      'writes unanswered (node down)': writers.failed(),
      lost: lost + missing,
      'integrity healthy after': `${CYCLES}/${CYCLES} restarts`,
      'total s': Math.round((Date.now() - started) / 1000)
    })
    expect(missing).toBe(0)
  }, sized(240_000, 1_800_000))
})
