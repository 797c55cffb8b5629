/**
 * Acceptance (issue 15, items 1 and 3): a node that lost records from its own files, its identity kept,
 * never writes under its identity before it holds what its peers hold of its origin. Three real node
 * processes; the victim is written to from the moment it is spawned and then on: 0 acknowledged
 * records lost, no equivocation, roots equal within 15 s of the last write, every lost own record
 * reported and recovered, and its seqs continue after the highest one the network held.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { Lattice } from '../support/index.js'
import { startConnectedLattice } from './helpers.js'
import { describeFigures, runLostLedgerScenario, type LedgerDamage } from './lost-ledger.js'

/** Every way the issue lost records: the whole ledger (lost before) or its WAL's tail (partly lost). */
const CASES: Array<{ damage: LedgerDamage, wholeLedger: boolean }> = [
  { damage: 'ledger-deleted', wholeLedger: true },
  { damage: 'data-dir-wiped', wholeLedger: true },
  { damage: 'ledger-truncated', wholeLedger: true },
  { damage: 'wal-truncated', wholeLedger: false },
  { damage: 'wal-header-only', wholeLedger: false },
  { damage: 'wal-salt-flipped', wholeLedger: false },
  { damage: 'wal-shm-deleted', wholeLedger: false }
]

describe('lost ledger, identity kept', () => {
  let lattice: Lattice | undefined
  afterEach(async () => { await lattice?.destroy(); lattice = undefined })

  it.each(CASES)('$damage: nothing acknowledged is lost, nothing equivocates, roots converge, the loss is reported and recovered', async ({ damage, wholeLedger }) => {
    lattice = await startConnectedLattice()
    const f = await runLostLedgerScenario(lattice, { damage, victim: 1, recordsBefore: 40, writesAfter: 30 })
    process.stdout.write(describeFigures(f) + '\n')
    expect(f.lost).toBe(0)
    expect(f.equivocations).toBe(0)
    expect(f.convergeMs).toBeGreaterThanOrEqual(0)
    expect(f.acknowledgedAfter).toBe(30)
    // seqs continue after what the network held: none reused, none skipped
    expect(f.seqsAfter).toEqual(Array.from({ length: 30 }, (_, i) => f.acknowledgedBefore + 1 + i))
    // what the files lost was reported and came back from the peers
    expect(f.reportedMissing).toBeGreaterThan(0)
    // the whole ledger, or the WAL's half (the first half was checkpointed by a clean restart)
    expect(f.reportedMissing).toBe(wholeLedger ? f.acknowledgedBefore : f.acknowledgedBefore / 2)
    expect(f.recovered).toBe(f.reportedMissing)
  }, 240_000)
})
