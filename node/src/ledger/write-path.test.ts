import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Registry } from 'prom-client'
import { StorageError } from '../storage/errors.js'
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency.js'
import { IDEMPOTENCY_KEY } from '../api/validation.js'
import { IdempotencyConflictError, InvalidEntryError } from './errors.js'
import { useLedgerFixture, strip, forge, metricValue } from './ledger.fixture.js'

const fx = useLedgerFixture()

describe('local appends', () => {
  it('assigns seq and ts, signs, and validates all-or-nothing', async () => {
    let now = 5000
    const l = await fx.ledgerFor(fx.nodes[0], 'app.db', { clock: () => now++ })
    const recs = await l.append([{ key: 'a', payload: 1 }, { key: 'b', payload: { z: 1, a: [true, null] } }])
    expect(recs.map((r) => [r.seq, r.lsn, r.origin])).toEqual([[1, 1, fx.nodes[0].id], [2, 2, fx.nodes[0].id]])
    expect(recs[0].ts).toBeGreaterThanOrEqual(5000)
    const other = await fx.ledgerFor(fx.nodes[1], 'other.db')
    expect((await other.ingest(recs.map(strip))).applied).toHaveLength(2)

    const before = { root: l.merkleRoot(), vv: l.versionVector(), lsn: l.lastLsn() }
    let err: unknown
    try {
      await l.append([{ key: 'ok', payload: 1 }, { key: 'big', payload: 'x'.repeat(70_000) }])
    } catch (e) { err = e }
    expect(err).toBeInstanceOf(InvalidEntryError)
    expect(err).toMatchObject({ name: 'InvalidEntryError', field: 'payload', limit: 65536, index: 1 })
    await expect(l.append([{ key: 'k'.repeat(300), payload: 1 }])).rejects.toMatchObject({ field: 'key', limit: 256 })
    await expect(l.append([{ key: 'k', payload: Number.NaN }])).rejects.toBeInstanceOf(InvalidEntryError)
    await expect(l.append([])).rejects.toBeInstanceOf(InvalidEntryError)
    expect({ root: l.merkleRoot(), vv: l.versionVector(), lsn: l.lastLsn() }).toEqual(before)
    expect(l.list({ limit: 100 })).toHaveLength(2)
    expect(l.latestByKey('b')?.id).toBe(recs[1].id)
    expect(l.listByOrigin(fx.nodes[0].id, 2, undefined, 10).map((r) => r.seq)).toEqual([2])
  })

  it('group-commits concurrent appends: fewer transactions than calls, each caller gets its own records', async () => {
    const registry = new Registry()
    const l = await fx.ledgerFor(fx.nodes[0], 'gc.db', { registry })
    const n = 64
    const results = await Promise.all(Array.from({ length: n }, async (_, i) => await l.append([{ key: `k${i}`, payload: { i } }])))
    const seqs = results.map((r) => r[0].seq).sort((a, b) => a - b)
    expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    results.forEach((r, i) => { expect(r[0].payload).toEqual({ i }) })
    const commits = await metricValue(registry, 'lattice_ledger_commits_total')
    expect(commits).toBeGreaterThanOrEqual(1)
    expect(commits).toBeLessThan(n)
    const batch = await registry.getSingleMetric('lattice_ledger_commit_batch_operations')?.get()
    const count = batch?.values.find((v) => (v as { metricName?: string }).metricName === 'lattice_ledger_commit_batch_operations_count')?.value
    const sum = batch?.values.find((v) => (v as { metricName?: string }).metricName === 'lattice_ledger_commit_batch_operations_sum')?.value
    expect(count).toBe(commits)
    expect(sum).toBe(n)
    expect(await metricValue(registry, 'lattice_ledger_writes_total')).toBe(n)
    expect(await metricValue(registry, 'lattice_ledger_records')).toBe(n)
  })

  it('rejects every caller of a failed transaction and leaves memory untouched', async () => {
    const registry = new Registry()
    const l = await fx.ledgerFor(fx.nodes[0], 'fail.db', { registry })
    await l.append([{ key: 'a', payload: 1 }])
    const before = { root: l.merkleRoot(), vv: l.versionVector(), lsn: l.lastLsn(), count: l.recordCount() }
    // Another connection holds the write lock: our BEGIN IMMEDIATE fails with SQLITE_BUSY.
    const blocker = new DatabaseSync(join(fx.dir, 'fail.db'))
    blocker.exec('BEGIN IMMEDIATE')
    const outcomes = await Promise.allSettled([
      l.append([{ key: 'b', payload: 2 }]),
      l.append([{ key: 'c', payload: 3 }]),
      l.ingest([forge(fx.nodes[1], 1, 'remote')])
    ])
    blocker.exec('ROLLBACK')
    blocker.close()
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected'])
    for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(StorageError)
    expect({ root: l.merkleRoot(), vv: l.versionVector(), lsn: l.lastLsn(), count: l.recordCount() }).toEqual(before)
    // The appends share a group; the ingest joins it or, after its signature check, a group of its own.
    const failedGroups = await metricValue(registry, 'lattice_ledger_storage_errors_total')
    expect(failedGroups).toBeGreaterThanOrEqual(1)
    expect(failedGroups).toBeLessThanOrEqual(2)
    // And the ledger carries on.
    const next = await l.append([{ key: 'b', payload: 2 }])
    expect(next[0].seq).toBe(2)
  })

  it('idempotency: a retry returns the stored records, even after a restart; other entries conflict', async () => {
    const l = await fx.ledgerFor(fx.nodes[0], 'idem.db')
    const entries = [{ key: 'x', payload: { amount: 5 } }, { key: 'y', payload: 1 }]
    const [first, concurrent] = await Promise.all([
      l.append(entries, { idempotencyKey: 'req-1' }),
      l.append(entries, { idempotencyKey: 'req-1' })
    ])
    expect(concurrent).toEqual(first)
    const retry = await l.append(entries, { idempotencyKey: 'req-1' })
    expect(retry).toEqual(first)
    expect(l.recordCount()).toBe(2)
    await expect(l.append([{ key: 'x', payload: { amount: 6 } }], { idempotencyKey: 'req-1' })).rejects.toBeInstanceOf(IdempotencyConflictError)
    await fx.close(l)
    const again = await fx.ledgerFor(fx.nodes[0], 'idem.db')
    expect(await again.append(entries, { idempotencyKey: 'req-1' })).toEqual(first)
    expect(again.recordCount()).toBe(2)
    await expect(again.append([{ key: 'x', payload: 1 }], { idempotencyKey: 'req-1' })).rejects.toMatchObject({ name: 'IdempotencyConflictError', idempotencyKey: 'req-1' })
    const fresh = await again.append(entries, { idempotencyKey: 'req-2' })
    expect(fresh.map((r) => r.seq)).toEqual([3, 4])
  })

  it('signs a group while the one before it commits; groups that use fewer seqs than signed for (replays) leave no gap', async () => {
    const l = await fx.ledgerFor(fx.nodes[0], 'pipeline.db')
    const turn = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }
    // Waves over several event-loop turns, so that groups form while earlier ones sign and commit;
    // every wave repeats the previous wave's idempotency key, which may still be uncommitted.
    const writes: Array<Promise<Array<{ seq: number, id: string }>>> = []
    const keyed = new Map<string, Array<Promise<Array<{ id: string }>>>>()
    for (let wave = 0; wave < 12; wave++) {
      for (let i = 0; i < 8; i++) writes.push(l.append([{ key: `w${wave}/${i}`, payload: { wave, i } }]))
      for (const k of [`req-${wave}`, `req-${Math.max(0, wave - 1)}`]) {
        const p = l.append([{ key: k, payload: 'same' }], { idempotencyKey: k })
        keyed.set(k, [...(keyed.get(k) ?? []), p])
        writes.push(p)
      }
      await turn()
    }
    await Promise.all(writes)
    for (const [, answers] of keyed) {
      const ids = (await Promise.all(answers)).map((r) => r[0].id)
      expect(new Set(ids).size).toBe(1)
    }
    // 96 plain records and one per key: seqs 1..108 without a gap, every record signed right.
    const stored = l.listByOrigin(fx.nodes[0].id, 1, undefined, 1000)
    expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 108 }, (_, i) => i + 1))
    const other = await fx.ledgerFor(fx.nodes[1], 'pipeline-other.db')
    const result = await other.ingest(stored.map(strip))
    expect(result.rejected).toEqual([])
    expect(result.applied).toHaveLength(108)
  })

  it('accepts idempotency keys up to the length the API documents, and refuses longer ones', async () => {
    const l = await fx.ledgerFor(fx.nodes[0], 'idem-len.db')
    const longest = 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH)
    expect(await l.append([{ key: 'a', payload: 1 }], { idempotencyKey: longest })).toHaveLength(1)
    await expect(l.append([{ key: 'a', payload: 1 }], { idempotencyKey: longest + 'k' })).rejects.toMatchObject({ name: 'InvalidEntryError', field: 'idempotencyKey', limit: MAX_IDEMPOTENCY_KEY_LENGTH })
    expect(IDEMPOTENCY_KEY.test(longest)).toBe(true)
    expect(IDEMPOTENCY_KEY.test(longest + 'k')).toBe(false)
  })

  it('forgets idempotency keys after their time to live', async () => {
    let now = 1_000_000
    const l = await fx.ledgerFor(fx.nodes[0], 'ttl.db', { clock: () => now, init: { idempotencyTtlMs: 60_000 } })
    const first = await l.append([{ key: 'a', payload: 1 }], { idempotencyKey: 'k' })
    now += 30_000
    expect(await l.append([{ key: 'a', payload: 1 }], { idempotencyKey: 'k' })).toEqual(first)
    await expect(l.append([{ key: 'a', payload: 2 }], { idempotencyKey: 'k' })).rejects.toBeInstanceOf(IdempotencyConflictError)
    now += 31_000
    // Expired: the key is free again, with other entries, and a retry of those returns them.
    const second = await l.append([{ key: 'a', payload: 2 }], { idempotencyKey: 'k' })
    expect(second[0].seq).toBe(2)
    expect(await l.append([{ key: 'a', payload: 2 }], { idempotencyKey: 'k' })).toEqual(second)
    // Old keys are pruned from the table as writes go.
    await l.append([{ key: 'x', payload: 0 }], { idempotencyKey: 'old' })
    now += 200_000
    await l.append([{ key: 'y', payload: 0 }])
    await fx.close(l)
    const db = new DatabaseSync(join(fx.dir, 'ttl.db'))
    const keys = (db.prepare('SELECT key FROM idempotency').all() as Array<{ key: string }>).map((r) => r.key)
    db.close()
    expect(keys).toEqual([])
  })
})
