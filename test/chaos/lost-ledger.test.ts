/**
 * Chaos: a node loses its ledger but keeps its identity (what a lost PVC with a kept identity Secret
 * does), using the recovery scenario of test/sync/lost-ledger.ts on three real node processes: the
 * victim is written to from the moment it is spawned again. 0 acknowledged records lost, no
 * equivocation, its seqs continue, roots equal. The ledger deleted in make test; every kind of damage
 * (ledger deleted, data dir wiped, ledger truncated, WAL truncated, header only, salt flipped, WAL and
 * SHM deleted), each on the next node in turn, in make chaos.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { startConnectedLattice, type Lattice } from '../../packages/testkit/src/node/index.js'
import { SHORT_TIMINGS } from '../sync/helpers.js'
import { LEDGER_DAMAGES, runLostLedgerScenario, type LedgerDamage } from '../sync/lost-ledger.js'
import { chaosReport, sized } from './chaos.js'

const DAMAGES: readonly LedgerDamage[] = sized(['ledger-deleted'], LEDGER_DAMAGES)

describe('chaos: lost ledger, identity kept', () => {
  let lattice: Lattice | undefined
  afterEach(async () => { await lattice?.destroy(); lattice = undefined })

  it.each(DAMAGES.map((damage, i) => ({ damage, victim: i % 3 })))('$damage on node $victim: 0 lost, no equivocation, seqs continue, roots equal', async ({ damage, victim }) => {
    const l = lattice = await startConnectedLattice(3, { env: SHORT_TIMINGS })
    const f = await runLostLedgerScenario(l, { damage, victim, recordsBefore: sized(40, 200), writesAfter: 30 })
    chaosReport(`lost ledger, identity kept (${damage})`, {
      'own records acknowledged before': f.acknowledgedBefore,
      'reported missing': f.reportedMissing,
      recovered: f.recovered,
      'writes refused while recovering': f.refusedWrites,
      'acknowledged after': f.acknowledgedAfter,
      lost: f.lost,
      equivocations: f.equivocations,
      'time to converge after the last write ms': f.convergeMs
    })
    expect(f.lost).toBe(0)
    expect(f.equivocations).toBe(0)
    expect(f.seqsAfter).toEqual(Array.from({ length: f.acknowledgedAfter }, (_, i) => f.acknowledgedBefore + 1 + i))
  }, 240_000)
})
