import { describe, expect, it } from '@jest/globals'
import { recordWireBytes } from './ledger.js'
import { LedgerClosedError } from './errors.js'
import { EMPTY_ROOT } from './merkle.js'
import { useLedgerFixture, shuffle, forge } from './ledger.fixture.js'

const fx = useLedgerFixture()

describe('ledger convergence', () => {
  it('two ledgers fed the same records in different orders end with the same root and version vector', async () => {
    const writers = await Promise.all(fx.nodes.slice(0, 3).map(async (n, i) => await fx.ledgerFor(n, `w${i}.db`)))
    for (let round = 0; round < 5; round++) {
      for (const [i, w] of writers.entries()) await w.append(Array.from({ length: 7 }, (_, j) => ({ key: `k${(round + j) % 4}`, payload: { i, round, j } })))
    }
    const all = writers.flatMap((w) => w.missingFor({}, 10_000))
    expect(all).toHaveLength(3 * 5 * 7)
    const a = await fx.ledgerFor(fx.nodes[3], 'a.db')
    const b = await fx.ledgerFor(fx.nodes[3], 'b.db')
    // a gets everything in order in one batch; b gets shuffled chunks, so most arrive out of order.
    const ra = await a.ingest(all)
    expect(ra.applied).toHaveLength(all.length)
    const shuffled = shuffle(all)
    for (let i = 0; i < shuffled.length; i += 9) await b.ingest(shuffled.slice(i, i + 9))
    expect(b.bufferedCount()).toBe(0)
    expect(b.recordCount()).toBe(all.length)
    expect(b.merkleRoot()).toBe(a.merkleRoot())
    expect(b.versionVector()).toEqual(a.versionVector())
    expect(a.versionVector()).toEqual(Object.fromEntries(fx.nodes.slice(0, 3).map((n) => [n.id, 35])))
    // The writers' own view of the union agrees too.
    for (const w of writers) await w.ingest(all)
    for (const w of writers) expect(w.merkleRoot()).toBe(a.merkleRoot())
    // A different set has a different root.
    const c = await fx.ledgerFor(fx.nodes[3], 'c.db')
    await c.ingest(all.filter((r) => !(r.origin === fx.nodes[0].id && r.seq === 35)))
    expect(c.recordCount()).toBe(all.length - 1)
    expect(c.merkleRoot()).not.toBe(a.merkleRoot())
    expect(c.merkleRoot()).not.toBe(EMPTY_ROOT)
  })

  it('missingFor returns exactly what the other side lacks, in seq order, honouring limit and maxBytes', async () => {
    const w0 = await fx.ledgerFor(fx.nodes[0], 'w0.db')
    const w1 = await fx.ledgerFor(fx.nodes[1], 'w1.db')
    await w0.append(Array.from({ length: 30 }, (_, i) => ({ key: 'a', payload: { i, pad: 'x'.repeat(i * 10) } })))
    await w1.append(Array.from({ length: 10 }, (_, i) => ({ key: 'b', payload: i })))
    const full = await fx.ledgerFor(fx.nodes[2], 'full.db')
    await full.ingest([...w0.missingFor({}, 1000), ...w1.missingFor({}, 1000)])

    const theirs = { [fx.nodes[0].id]: 12, [fx.nodes[1].id]: 10, someoneElse: 4 }
    const missing = full.missingFor(theirs, 1000)
    expect(missing.map((r) => [r.origin, r.seq])).toEqual(Array.from({ length: 18 }, (_, i) => [fx.nodes[0].id, 13 + i]))
    expect(missing[0]).not.toHaveProperty('lsn')
    expect(full.missingFor({ [fx.nodes[0].id]: 30, [fx.nodes[1].id]: 10 }, 1000)).toEqual([])

    const limited = full.missingFor({}, 7)
    expect(limited).toHaveLength(7)
    const byOrigin = new Map<string, number[]>()
    for (const r of full.missingFor({}, 1000)) byOrigin.set(r.origin, [...(byOrigin.get(r.origin) ?? []), r.seq])
    for (const seqs of byOrigin.values()) expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(full.missingFor({}, 1000)).toHaveLength(40)

    const maxBytes = 2000
    const sized = full.missingFor({}, 1000, maxBytes)
    const bytes = sized.reduce((s, r) => s + recordWireBytes(r), 0)
    expect(sized.length).toBeGreaterThan(0)
    expect(bytes).toBeLessThanOrEqual(maxBytes)
    const next = full.missingFor({}, 1000)[sized.length]
    expect(bytes + recordWireBytes(next)).toBeGreaterThan(maxBytes)
    // A single record bigger than maxBytes still goes out alone, or it would never sync.
    expect(full.missingFor({}, 1000, 10)).toHaveLength(1)
    // A peer fed page by page converges.
    const pager = await fx.ledgerFor(fx.nodes[3], 'pager.db')
    for (let i = 0; i < 100 && pager.recordCount() < 40; i++) await pager.ingest(full.missingFor(pager.versionVector(), 5, 1500))
    expect(pager.merkleRoot()).toBe(full.merkleRoot())
  })
})


describe('durability', () => {
  it('reopens with the same records, root, version vector and cursor; close waits for pending commits', async () => {
    const l = await fx.ledgerFor(fx.nodes[0], 'd.db')
    await l.append(Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 3}`, payload: { i } })))
    await l.ingest(Array.from({ length: 5 }, (_, i) => forge(fx.nodes[1], i + 1, i)))
    const pending = l.append([{ key: 'last', payload: 'written during close' }])
    const root = l.merkleRoot()
    await fx.close(l)
    const last = await pending
    expect(last[0].seq).toBe(21)
    await expect(l.append([{ key: 'k', payload: 1 }])).rejects.toBeInstanceOf(LedgerClosedError)

    const r = await fx.ledgerFor(fx.nodes[0], 'd.db', { init: { integrityCheckOnOpen: true } })
    expect(r.recordCount()).toBe(26)
    expect(r.versionVector()).toEqual({ [fx.nodes[0].id]: 21, [fx.nodes[1].id]: 5 })
    expect(r.merkleRoot()).not.toBe(root)
    expect(r.lastLsn()).toBe(26)
    expect(r.get(last[0].id)).toEqual(last[0])
    expect(r.list({ after: 24, limit: 10 }).map((x) => x.lsn)).toEqual([25, 26])
    const report = await r.integrityCheck()
    expect(report).toMatchObject({ status: 'healthy', sqlite_ok: true, merkle_ok: true, signatures_ok: true, record_count: 26, merkle_root: r.merkleRoot(), errors: [] })
    const next = await r.append([{ key: 'after', payload: true }])
    expect(next[0].seq).toBe(22)
  })
})
