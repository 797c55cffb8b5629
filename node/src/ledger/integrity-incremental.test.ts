/**
 * The incremental integrity check: a healthy check leaves a durable mark in the ledger's meta table,
 * the next start verifies only the records written after it, a full check on demand verifies every
 * record, and a row altered on disk behind the mark is still refused when read and found by the full check.
 */
import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { waitFor } from '../../../packages/testkit/src/index.js'
import { StorageCorruptError } from '../storage/errors.js'
import { META_VERIFIED } from './core.js'
import { useLedgerFixture } from './ledger.fixture.js'
import type { IntegrityReport, Ledger } from './interface.js'

const fx = useLedgerFixture()

async function fill (l: Ledger, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 100) await l.append(Array.from({ length: 100 }, (_, j) => ({ key: `k${i + j}`, payload: { i: i + j, text: 'lorem ipsum '.repeat(4) } })))
}

/** A closed ledger of `verified` records covered by a healthy full check, then `after` more. */
async function markedLedger (name: string, verified: number, after: number): Promise<string> {
  const l = await fx.ledgerFor(fx.nodes[0], name)
  await fill(l, 0, verified)
  expect((await l.integrityCheck()).status).toBe('healthy')
  await fill(l, verified, after)
  await fx.close(l)
  return join(fx.dir, name)
}

function counts (r: IntegrityReport): Pick<IntegrityReport, 'status' | 'mode' | 'record_count' | 'verified_records' | 'verified_from_lsn'> {
  return { status: r.status, mode: r.mode, record_count: r.record_count, verified_records: r.verified_records, verified_from_lsn: r.verified_from_lsn }
}

describe('incremental integrity check', () => {
  it('a restart verifies only the records written since the last healthy check; a full check on demand verifies all', async () => {
    await markedLedger('a.db', 300, 200)
    const l = await fx.ledgerFor(fx.nodes[0], 'a.db')
    expect(counts(await l.integrityCheck({ incremental: true }))).toEqual({ status: 'healthy', mode: 'incremental', record_count: 500, verified_records: 200, verified_from_lsn: 300 })
    // That check moved the mark: nothing new, nothing verified.
    expect(counts(await l.integrityCheck({ incremental: true }))).toEqual({ status: 'healthy', mode: 'incremental', record_count: 500, verified_records: 0, verified_from_lsn: 500 })
    expect(counts(await l.integrityCheck())).toEqual({ status: 'healthy', mode: 'full', record_count: 500, verified_records: 500, verified_from_lsn: 0 })
  })

  it('the start-up check in the background is the incremental one', async () => {
    await markedLedger('b.db', 200, 100)
    const l = await fx.ledgerFor(fx.nodes[0], 'b.db', { init: { integrityCheckOnOpen: true } })
    const report = await waitFor('the start-up check', () => l.lastIntegrity(), { timeoutMs: 30000 })
    expect(counts(report)).toEqual({ status: 'healthy', mode: 'incremental', record_count: 300, verified_records: 100, verified_from_lsn: 200 })
    // A full check asked for while the start-up check runs waits for it, then covers everything.
    const l2 = await fx.ledgerFor(fx.nodes[1], 'b2.db')
    await fill(l2, 0, 200)
    const incremental = l2.integrityCheck({ incremental: true })
    const full = l2.integrityCheck()
    expect((await incremental).mode).toBe('full') // no mark yet: all of it
    expect(counts(await full)).toMatchObject({ mode: 'full', verified_records: 200 })
  })

  it('a row altered behind the mark is refused when read and found by the full check, not by the incremental one', async () => {
    const path = await markedLedger('c.db', 300, 100)
    const db = new DatabaseSync(path)
    const victim = db.prepare('SELECT id FROM records WHERE lsn = 42').get() as { id: string }
    db.prepare('UPDATE records SET payload = ? WHERE lsn = 42').run('{"forged":true}')
    db.close()
    const l = await fx.ledgerFor(fx.nodes[0], 'c.db')
    expect(counts(await l.integrityCheck({ incremental: true }))).toEqual({ status: 'healthy', mode: 'incremental', record_count: 400, verified_records: 100, verified_from_lsn: 300 })
    // The healthy incremental check does not vouch for the rows behind the mark: reads still verify them.
    expect(() => l.get(victim.id)).toThrow(StorageCorruptError)
    expect(() => l.list({ after: 0, limit: 100 })).toThrow(StorageCorruptError)
    expect(l.list({ after: 100, limit: 100 })).toHaveLength(100)
    const full = await l.integrityCheck()
    expect(full).toMatchObject({ status: 'unhealthy', mode: 'full', signatures_ok: false, verified_records: 400 })
    expect(full.errors.join('\n')).toContain('lsn 42')
    expect(() => l.get(victim.id)).toThrow(StorageCorruptError)
    // An unhealthy check does not move the mark.
    expect((await l.integrityCheck({ incremental: true })).verified_from_lsn).toBe(400)
  })

  it('an open that found the stored root differing gets the full check', async () => {
    const path = await markedLedger('e.db', 300, 0)
    const db = new DatabaseSync(path)
    db.prepare("UPDATE meta SET value = ? WHERE name = 'merkle_root'").run('ab'.repeat(32))
    db.close()
    const l = await fx.ledgerFor(fx.nodes[0], 'e.db')
    expect(await l.integrityCheck({ incremental: true })).toMatchObject({ status: 'unhealthy', mode: 'full', merkle_ok: false, verified_records: 300 })
  })

  it.each([
    ['names another record at its lsn (the lsn was reused after a lost tail)', (db: DatabaseSync) => { db.prepare('UPDATE meta SET value = ? WHERE name = ?').run(`300 ${'0'.repeat(64)}`, META_VERIFIED) }],
    ['points past the last record', (db: DatabaseSync) => { db.prepare('DELETE FROM records WHERE lsn > 250').run() }],
    ['is not a mark', (db: DatabaseSync) => { db.prepare('UPDATE meta SET value = ? WHERE name = ?').run('nonsense', META_VERIFIED) }]
  ])('a mark that %s does not count: the start-up check verifies everything', async (_what, damage) => {
    const path = await markedLedger('d.db', 300, 0)
    const db = new DatabaseSync(path)
    damage(db)
    db.close()
    const l = await fx.ledgerFor(fx.nodes[0], 'd.db')
    const report = await l.integrityCheck({ incremental: true })
    expect(report.mode).toBe('full')
    expect(report.verified_records).toBe(report.record_count)
  })
})
