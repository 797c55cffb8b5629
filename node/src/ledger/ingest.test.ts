import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { useLedgerFixture, forge, makeNode, metricValue } from './ledger.fixture.js'
import type { LedgerRecord } from './interface.js'

const fx = useLedgerFixture()

describe('ledger rejections', () => {
  it('keeps bad signatures, bad ids, unknown origins, oversize and malformed records out of the state', async () => {
    const registry = new Registry()
    const l = await fx.ledgerFor(fx.nodes[3], 'r.db', { registry, members: [fx.nodes[0].id, fx.nodes[3].id], init: { maxPayloadBytes: 1024 } })
    const good = forge(fx.nodes[0], 1, { ok: true })
    expect((await l.ingest([good])).applied).toHaveLength(1)
    const before = { root: l.merkleRoot(), vv: l.versionVector(), count: l.recordCount(), lsn: l.lastLsn() }
    const outsider = await makeNode()

    const r2 = forge(fx.nodes[0], 2, 'fine')
    const badSig = { ...r2, sig: forge(fx.nodes[0], 2, 'other').sig }
    const badId = { ...forge(fx.nodes[0], 2, 'x'), payload: 'changed' }
    const unknown = forge(outsider, 1, 'hi')
    const oversize = forge(fx.nodes[0], 2, 'x'.repeat(2000))
    const oversizeKey = forge(fx.nodes[0], 2, 1, 'k'.repeat(257))
    const malformed = { ...r2, seq: -1 }
    const res = await l.ingest([badSig, badId, unknown, oversize, oversizeKey, malformed as LedgerRecord, null as unknown as LedgerRecord])
    expect(res.applied).toEqual([])
    expect(res.rejected.map((r) => r.reason)).toEqual(['bad_id', 'unknown_origin', 'too_large', 'too_large', 'malformed', 'malformed', 'bad_signature'])
    expect({ root: l.merkleRoot(), vv: l.versionVector(), count: l.recordCount(), lsn: l.lastLsn() }).toEqual(before)
    expect(l.bufferedCount()).toBe(0)
    expect(l.get(badSig.id)).toBeUndefined()
    expect(await metricValue(registry, 'lattice_ledger_rejected_records_total', { reason: 'too_large' })).toBe(2)
    expect(await metricValue(registry, 'lattice_ledger_rejected_records_total', { reason: 'bad_signature' })).toBe(1)
    // The genuine record 2 still applies afterwards.
    expect((await l.ingest([r2])).applied.map((r) => r.seq)).toEqual([2])
  })

  it('rejects forged and malformed records in a large batch (checked on the verify workers) and applies the rest', async () => {
    const registry = new Registry()
    const l = await fx.ledgerFor(fx.nodes[3], 'big.db', { registry, members: [fx.nodes[0].id, fx.nodes[3].id] })
    const good = Array.from({ length: 60 }, (_, i) => forge(fx.nodes[0], i + 1, { i }))
    const outsider = await makeNode()
    const forged = { ...forge(fx.nodes[0], 61, 'x'), sig: good[0].sig }
    const badId = { ...forge(fx.nodes[0], 61, 'y'), payload: 'changed' }
    const res = await l.ingest([...good.slice(0, 30), forged, forge(outsider, 1, 'hi'), badId, ...good.slice(30)])
    expect(res.applied.map((r) => r.seq)).toEqual(good.map((r) => r.seq))
    expect(res.rejected.map((r) => r.reason)).toEqual(['unknown_origin', 'bad_id', 'bad_signature'])
    expect(l.get(forged.id)).toBeUndefined()
    expect(l.recordCount()).toBe(60)
    expect(await metricValue(registry, 'lattice_ledger_rejected_records_total', { reason: 'bad_signature' })).toBe(1)
    expect(await metricValue(registry, 'lattice_ledger_rejected_records_total', { reason: 'unknown_origin' })).toBe(1)
  })

  it('buffers a seq gap without applying it, and applies it when the gap closes', async () => {
    const registry = new Registry()
    const l = await fx.ledgerFor(fx.nodes[3], 'gap.db', { registry })
    const recs = Array.from({ length: 6 }, (_, i) => forge(fx.nodes[0], i + 1, i))
    const seen: number[] = []
    l.on('applied', (rs) => { for (const r of rs) seen.push(r.seq) })
    const first = await l.ingest([recs[0], recs[2], recs[3], recs[5]])
    expect(first.applied.map((r) => r.seq)).toEqual([1])
    expect(first.buffered).toBe(3)
    expect(l.bufferedCount()).toBe(3)
    expect(l.versionVector()).toEqual({ [fx.nodes[0].id]: 1 })
    expect(l.get(recs[2].id)).toBeUndefined()
    expect(await metricValue(registry, 'lattice_ledger_buffered_records')).toBe(3)
    // Re-sending a buffered record does not double count.
    expect((await l.ingest([recs[3]])).buffered).toBe(1)
    expect(l.bufferedCount()).toBe(3)
    const second = await l.ingest([recs[1]])
    expect(second.applied.map((r) => r.seq)).toEqual([2, 3, 4])
    expect(l.bufferedCount()).toBe(1)
    expect((await l.ingest([recs[4]])).applied.map((r) => r.seq)).toEqual([5, 6])
    expect(l.bufferedCount()).toBe(0)
    expect(seen).toEqual([1, 2, 3, 4, 5, 6])
    expect(l.list({ limit: 10 }).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(await metricValue(registry, 'lattice_ledger_buffered_records')).toBe(0)
  })

  it('bounds the buffer', async () => {
    const l = await fx.ledgerFor(fx.nodes[3], 'bound.db', { init: { maxBufferedRecords: 3 } })
    const res = await l.ingest(Array.from({ length: 6 }, (_, i) => forge(fx.nodes[0], i + 2, i)))
    expect(res.buffered).toBe(3)
    expect(l.bufferedCount()).toBe(3)
    const fill = await l.ingest([forge(fx.nodes[0], 1, 'one')])
    expect(fill.applied.map((r) => r.seq)).toEqual([1, 2, 3, 4])
  })

  it('detects equivocation: keeps the applied record, raises an event, a metric and an unhealthy report', async () => {
    const registry = new Registry()
    const l = await fx.ledgerFor(fx.nodes[3], 'eq.db', { registry })
    await l.integrityCheck()
    expect(l.lastIntegrity()?.status).toBe('healthy')
    const a1 = forge(fx.nodes[0], 1, 'a')
    const b1 = forge(fx.nodes[0], 1, 'b')
    const events: Array<{ origin: string, seq: number, ids: string[] }> = []
    l.on('equivocation', (e) => events.push(e))
    await l.ingest([a1])
    const res = await l.ingest([b1])
    expect(res.applied).toEqual([])
    expect(res.rejected).toEqual([{ id: b1.id, origin: fx.nodes[0].id, seq: 1, reason: 'equivocation' }])
    expect(l.get(a1.id)?.payload).toBe('a')
    expect(l.get(b1.id)).toBeUndefined()
    expect(events).toEqual([{ origin: fx.nodes[0].id, seq: 1, ids: [a1.id, b1.id].sort() }])
    expect(await metricValue(registry, 'lattice_ledger_equivocations_total')).toBe(1)
    expect(await metricValue(registry, 'lattice_ledger_rejected_records_total', { reason: 'equivocation' })).toBe(1)
    expect(l.lastIntegrity()?.status).toBe('unhealthy')
    expect(l.lastIntegrity()?.errors.join('\n')).toContain(`equivocation by ${fx.nodes[0].id} at seq 1`)
    // Seeing it again is not a new equivocation.
    await l.ingest([b1])
    expect(events).toHaveLength(1)
    const report = await l.integrityCheck()
    expect(report.status).toBe('unhealthy')
    expect(report.sqlite_ok).toBe(true)
    expect(report.signatures_ok).toBe(true)
    expect(report.equivocations).toBe(1)
    await fx.close(l)
    // It is recorded in the database: the report after a restart still shows it.
    const again = await fx.ledgerFor(fx.nodes[3], 'eq.db')
    expect(again.lastIntegrity()?.status).toBe('unhealthy')
    expect((await again.integrityCheck()).errors.join('\n')).toContain('equivocation')
  })

  it('keeps neither of two different records for an unapplied slot, in one batch or via the buffer', async () => {
    const l = await fx.ledgerFor(fx.nodes[3], 'eq2.db')
    const x1 = forge(fx.nodes[0], 1, 'x')
    const y1 = forge(fx.nodes[0], 1, 'y')
    const r = await l.ingest([x1, y1, forge(fx.nodes[0], 2, 'two')])
    expect(r.applied).toEqual([])
    expect(r.rejected.map((x) => x.reason)).toEqual(['equivocation', 'equivocation'])
    expect(l.versionVector()).toEqual({})
    expect(l.recordCount()).toBe(0)
    // Later arrivals of either stay out too.
    expect((await l.ingest([x1])).applied).toEqual([])

    const p3 = forge(fx.nodes[1], 3, 'p')
    const q3 = forge(fx.nodes[1], 3, 'q')
    expect((await l.ingest([p3])).buffered).toBe(1)
    const rq = await l.ingest([q3])
    expect(rq.rejected.map((x) => x.reason)).toEqual(['equivocation'])
    expect(l.bufferedCount()).toBe(1) // only fx.nodes[0] seq 2 is still waiting
    const fill = await l.ingest([forge(fx.nodes[1], 1, 1), forge(fx.nodes[1], 2, 2)])
    expect(fill.applied.map((x) => x.seq)).toEqual([1, 2])
    expect(l.versionVector()[fx.nodes[1].id]).toBe(2)
  })
})
