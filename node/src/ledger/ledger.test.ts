/**
 * The ledger against real SQLite files in temp dirs, with real Ed25519 keys.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { copyFileSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync, closeSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Registry } from 'prom-client'
import winston from 'winston'
import { Writable } from 'node:stream'
import { createSilentLogger } from '../../../packages/log/src/index.js'
import { StorageCorruptError, StorageError } from '../storage/errors.js'
import { createLedger, recordWireBytes, type LedgerInit } from './ledger.js'
import { createRecordSigner, signRecord, type RecordSigner } from './record.js'
import { IdempotencyConflictError, InvalidEntryError, LedgerClosedError } from './errors.js'
import { bucketDifference, bucketOf, diffBuckets, EMPTY_ROOT, type MerkleView } from './merkle.js'
import type { Ledger, LedgerRecord, StoredRecord } from './interface.js'

interface Node {
  key: PrivateKey
  id: string
  signer: RecordSigner
}

let dir: string
const open: Ledger[] = []
let nodes: Node[] = []

async function makeNode (): Promise<Node> {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPrivateKey(key).toString()
  return { key, id, signer: createRecordSigner(key, id) }
}

interface Opts {
  members?: string[]
  registry?: Registry
  init?: Partial<LedgerInit>
  clock?: () => number
}

async function ledgerFor (node: Node, name: string, opts: Opts = {}): Promise<Ledger> {
  const members = new Set(opts.members ?? nodes.map((n) => n.id))
  const components = { privateKey: node.key, isMember: (o: string) => members.has(o), logger: createSilentLogger(), ...(opts.registry !== undefined ? { registry: opts.registry } : {}), ...(opts.clock !== undefined ? { clock: opts.clock } : {}) }
  const l = await createLedger({ dbPath: join(dir, name), integrityCheckOnOpen: false, ...opts.init }, components)
  open.push(l)
  return l
}

async function closeAll (): Promise<void> {
  while (open.length > 0) await open.pop()?.close()
}

function shuffle<T> (arr: T[]): T[] {
  const a = arr.slice()
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

function strip (r: StoredRecord): LedgerRecord {
  const { lsn: _lsn, ...rest } = r
  return rest
}

/** A record signed by `node` at an arbitrary seq, bypassing its ledger (to build gaps and forks). */
function forge (node: Node, seq: number, payload: unknown, key = 'k'): LedgerRecord {
  return signRecord({ origin: node.id, seq, ts: 1000 + seq, key, payload: payload as LedgerRecord['payload'] }, node.signer)
}

async function metricValue (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get()
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val))
  return v?.value ?? 0
}

beforeAll(async () => {
  nodes = await Promise.all([makeNode(), makeNode(), makeNode(), makeNode()])
})

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lattice-ledger-'))
})

afterEach(async () => {
  await closeAll()
  rmSync(dir, { recursive: true, force: true })
})

afterAll(async () => {
  await closeAll()
})

describe('ledger convergence', () => {
  it('two ledgers fed the same records in different orders end with the same root and version vector', async () => {
    const writers = await Promise.all(nodes.slice(0, 3).map(async (n, i) => await ledgerFor(n, `w${i}.db`)))
    for (let round = 0; round < 5; round++) {
      for (const [i, w] of writers.entries()) await w.append(Array.from({ length: 7 }, (_, j) => ({ key: `k${(round + j) % 4}`, payload: { i, round, j } })))
    }
    const all = writers.flatMap((w) => w.missingFor({}, 10_000))
    expect(all).toHaveLength(3 * 5 * 7)
    const a = await ledgerFor(nodes[3], 'a.db')
    const b = await ledgerFor(nodes[3], 'b.db')
    // a gets everything in order in one batch; b gets shuffled chunks, so most arrive out of order.
    const ra = await a.ingest(all)
    expect(ra.applied).toHaveLength(all.length)
    const shuffled = shuffle(all)
    for (let i = 0; i < shuffled.length; i += 9) await b.ingest(shuffled.slice(i, i + 9))
    expect(b.bufferedCount()).toBe(0)
    expect(b.recordCount()).toBe(all.length)
    expect(b.merkleRoot()).toBe(a.merkleRoot())
    expect(b.versionVector()).toEqual(a.versionVector())
    expect(a.versionVector()).toEqual(Object.fromEntries(nodes.slice(0, 3).map((n) => [n.id, 35])))
    // The writers' own view of the union agrees too.
    for (const w of writers) await w.ingest(all)
    for (const w of writers) expect(w.merkleRoot()).toBe(a.merkleRoot())
    // A different set has a different root.
    const c = await ledgerFor(nodes[3], 'c.db')
    await c.ingest(all.filter((r) => !(r.origin === nodes[0].id && r.seq === 35)))
    expect(c.recordCount()).toBe(all.length - 1)
    expect(c.merkleRoot()).not.toBe(a.merkleRoot())
    expect(c.merkleRoot()).not.toBe(EMPTY_ROOT)
    // The tree localises the difference to the one bucket holding the missing record.
    const missingId = all.find((r) => r.origin === nodes[0].id && r.seq === 35)?.id ?? ''
    const view = (l: Ledger): MerkleView => ({ nodeHash: (level, index) => l.merkleLevel(level)[index] })
    const buckets = diffBuckets(view(a), view(c))
    expect(buckets).toEqual([bucketOf(missingId)])
    expect(bucketDifference(a.merkleBucket(buckets[0]), c.merkleBucket(buckets[0]))).toEqual([missingId])
  })

  it('missingFor returns exactly what the other side lacks, in seq order, honouring limit and maxBytes', async () => {
    const w0 = await ledgerFor(nodes[0], 'w0.db')
    const w1 = await ledgerFor(nodes[1], 'w1.db')
    await w0.append(Array.from({ length: 30 }, (_, i) => ({ key: 'a', payload: { i, pad: 'x'.repeat(i * 10) } })))
    await w1.append(Array.from({ length: 10 }, (_, i) => ({ key: 'b', payload: i })))
    const full = await ledgerFor(nodes[2], 'full.db')
    await full.ingest([...w0.missingFor({}, 1000), ...w1.missingFor({}, 1000)])

    const theirs = { [nodes[0].id]: 12, [nodes[1].id]: 10, someoneElse: 4 }
    const missing = full.missingFor(theirs, 1000)
    expect(missing.map((r) => [r.origin, r.seq])).toEqual(Array.from({ length: 18 }, (_, i) => [nodes[0].id, 13 + i]))
    expect(missing[0]).not.toHaveProperty('lsn')
    expect(full.missingFor({ [nodes[0].id]: 30, [nodes[1].id]: 10 }, 1000)).toEqual([])

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
    const pager = await ledgerFor(nodes[3], 'pager.db')
    for (let i = 0; i < 100 && pager.recordCount() < 40; i++) await pager.ingest(full.missingFor(pager.versionVector(), 5, 1500))
    expect(pager.merkleRoot()).toBe(full.merkleRoot())
  })
})

describe('ledger rejections', () => {
  it('keeps bad signatures, bad ids, unknown origins, oversize and malformed records out of the state', async () => {
    const registry = new Registry()
    const l = await ledgerFor(nodes[3], 'r.db', { registry, members: [nodes[0].id, nodes[3].id], init: { maxPayloadBytes: 1024 } })
    const good = forge(nodes[0], 1, { ok: true })
    expect((await l.ingest([good])).applied).toHaveLength(1)
    const before = { root: l.merkleRoot(), vv: l.versionVector(), count: l.recordCount(), lsn: l.lastLsn() }
    const outsider = await makeNode()

    const r2 = forge(nodes[0], 2, 'fine')
    const badSig = { ...r2, sig: forge(nodes[0], 2, 'other').sig }
    const badId = { ...forge(nodes[0], 2, 'x'), payload: 'changed' }
    const unknown = forge(outsider, 1, 'hi')
    const oversize = forge(nodes[0], 2, 'x'.repeat(2000))
    const oversizeKey = forge(nodes[0], 2, 1, 'k'.repeat(257))
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

  it('buffers a seq gap without applying it, and applies it when the gap closes', async () => {
    const registry = new Registry()
    const l = await ledgerFor(nodes[3], 'gap.db', { registry })
    const recs = Array.from({ length: 6 }, (_, i) => forge(nodes[0], i + 1, i))
    const seen: number[] = []
    l.on('applied', (rs) => { for (const r of rs) seen.push(r.seq) })
    const first = await l.ingest([recs[0], recs[2], recs[3], recs[5]])
    expect(first.applied.map((r) => r.seq)).toEqual([1])
    expect(first.buffered).toBe(3)
    expect(l.bufferedCount()).toBe(3)
    expect(l.versionVector()).toEqual({ [nodes[0].id]: 1 })
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
    const l = await ledgerFor(nodes[3], 'bound.db', { init: { maxBufferedRecords: 3 } })
    const res = await l.ingest(Array.from({ length: 6 }, (_, i) => forge(nodes[0], i + 2, i)))
    expect(res.buffered).toBe(3)
    expect(l.bufferedCount()).toBe(3)
    const fill = await l.ingest([forge(nodes[0], 1, 'one')])
    expect(fill.applied.map((r) => r.seq)).toEqual([1, 2, 3, 4])
  })

  it('detects equivocation: keeps the applied record, raises an event, a metric and an unhealthy report', async () => {
    const registry = new Registry()
    const l = await ledgerFor(nodes[3], 'eq.db', { registry })
    await l.integrityCheck()
    expect(l.lastIntegrity()?.status).toBe('healthy')
    const a1 = forge(nodes[0], 1, 'a')
    const b1 = forge(nodes[0], 1, 'b')
    const events: Array<{ origin: string, seq: number, ids: string[] }> = []
    l.on('equivocation', (e) => events.push(e))
    await l.ingest([a1])
    const res = await l.ingest([b1])
    expect(res.applied).toEqual([])
    expect(res.rejected).toEqual([{ id: b1.id, origin: nodes[0].id, seq: 1, reason: 'equivocation' }])
    expect(l.get(a1.id)?.payload).toBe('a')
    expect(l.get(b1.id)).toBeUndefined()
    expect(events).toEqual([{ origin: nodes[0].id, seq: 1, ids: [a1.id, b1.id].sort() }])
    expect(await metricValue(registry, 'lattice_ledger_equivocations_total')).toBe(1)
    expect(await metricValue(registry, 'lattice_ledger_rejected_records_total', { reason: 'equivocation' })).toBe(1)
    expect(l.lastIntegrity()?.status).toBe('unhealthy')
    expect(l.lastIntegrity()?.errors.join('\n')).toContain(`equivocation by ${nodes[0].id} at seq 1`)
    // Seeing it again is not a new equivocation.
    await l.ingest([b1])
    expect(events).toHaveLength(1)
    const report = await l.integrityCheck()
    expect(report.status).toBe('unhealthy')
    expect(report.sqlite_ok).toBe(true)
    expect(report.signatures_ok).toBe(true)
    expect(report.equivocations).toBe(1)
    await l.close()
    open.pop()
    // It is recorded in the database: the report after a restart still shows it.
    const again = await ledgerFor(nodes[3], 'eq.db')
    expect(again.lastIntegrity()?.status).toBe('unhealthy')
    expect((await again.integrityCheck()).errors.join('\n')).toContain('equivocation')
  })

  it('keeps neither of two different records for an unapplied slot, in one batch or via the buffer', async () => {
    const l = await ledgerFor(nodes[3], 'eq2.db')
    const x1 = forge(nodes[0], 1, 'x')
    const y1 = forge(nodes[0], 1, 'y')
    const r = await l.ingest([x1, y1, forge(nodes[0], 2, 'two')])
    expect(r.applied).toEqual([])
    expect(r.rejected.map((x) => x.reason)).toEqual(['equivocation', 'equivocation'])
    expect(l.versionVector()).toEqual({})
    expect(l.recordCount()).toBe(0)
    // Later arrivals of either stay out too.
    expect((await l.ingest([x1])).applied).toEqual([])

    const p3 = forge(nodes[1], 3, 'p')
    const q3 = forge(nodes[1], 3, 'q')
    expect((await l.ingest([p3])).buffered).toBe(1)
    const rq = await l.ingest([q3])
    expect(rq.rejected.map((x) => x.reason)).toEqual(['equivocation'])
    expect(l.bufferedCount()).toBe(1) // only nodes[0] seq 2 is still waiting
    const fill = await l.ingest([forge(nodes[1], 1, 1), forge(nodes[1], 2, 2)])
    expect(fill.applied.map((x) => x.seq)).toEqual([1, 2])
    expect(l.versionVector()[nodes[1].id]).toBe(2)
  })
})

describe('local appends', () => {
  it('assigns seq and ts, signs, and validates all-or-nothing', async () => {
    let now = 5000
    const l = await ledgerFor(nodes[0], 'app.db', { clock: () => now++ })
    const recs = await l.append([{ key: 'a', payload: 1 }, { key: 'b', payload: { z: 1, a: [true, null] } }])
    expect(recs.map((r) => [r.seq, r.lsn, r.origin])).toEqual([[1, 1, nodes[0].id], [2, 2, nodes[0].id]])
    expect(recs[0].ts).toBeGreaterThanOrEqual(5000)
    const other = await ledgerFor(nodes[1], 'other.db')
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
    expect(l.listByOrigin(nodes[0].id, 2, undefined, 10).map((r) => r.seq)).toEqual([2])
  })

  it('group-commits concurrent appends: fewer transactions than calls, each caller gets its own records', async () => {
    const registry = new Registry()
    const l = await ledgerFor(nodes[0], 'gc.db', { registry })
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
    const l = await ledgerFor(nodes[0], 'fail.db', { registry })
    await l.append([{ key: 'a', payload: 1 }])
    const before = { root: l.merkleRoot(), vv: l.versionVector(), lsn: l.lastLsn(), count: l.recordCount() }
    // Another connection holds the write lock: our BEGIN IMMEDIATE fails with SQLITE_BUSY.
    const blocker = new DatabaseSync(join(dir, 'fail.db'))
    blocker.exec('BEGIN IMMEDIATE')
    const outcomes = await Promise.allSettled([
      l.append([{ key: 'b', payload: 2 }]),
      l.append([{ key: 'c', payload: 3 }]),
      l.ingest([forge(nodes[1], 1, 'remote')])
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
    const l = await ledgerFor(nodes[0], 'idem.db')
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
    await l.close()
    open.pop()
    const again = await ledgerFor(nodes[0], 'idem.db')
    expect(await again.append(entries, { idempotencyKey: 'req-1' })).toEqual(first)
    expect(again.recordCount()).toBe(2)
    await expect(again.append([{ key: 'x', payload: 1 }], { idempotencyKey: 'req-1' })).rejects.toMatchObject({ name: 'IdempotencyConflictError', idempotencyKey: 'req-1' })
    const fresh = await again.append(entries, { idempotencyKey: 'req-2' })
    expect(fresh.map((r) => r.seq)).toEqual([3, 4])
  })

  it('forgets idempotency keys after their time to live', async () => {
    let now = 1_000_000
    const l = await ledgerFor(nodes[0], 'ttl.db', { clock: () => now, init: { idempotencyTtlMs: 60_000 } })
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
    await l.close()
    open.pop()
    const db = new DatabaseSync(join(dir, 'ttl.db'))
    const keys = (db.prepare('SELECT key FROM idempotency').all() as Array<{ key: string }>).map((r) => r.key)
    db.close()
    expect(keys).toEqual([])
  })
})

describe('durability', () => {
  it('reopens with the same records, root, version vector and cursor; close waits for pending commits', async () => {
    const l = await ledgerFor(nodes[0], 'd.db')
    await l.append(Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 3}`, payload: { i } })))
    await l.ingest(Array.from({ length: 5 }, (_, i) => forge(nodes[1], i + 1, i)))
    const pending = l.append([{ key: 'last', payload: 'written during close' }])
    const root = l.merkleRoot()
    await l.close()
    open.pop()
    const last = await pending
    expect(last[0].seq).toBe(21)
    await expect(l.append([{ key: 'k', payload: 1 }])).rejects.toBeInstanceOf(LedgerClosedError)

    const r = await ledgerFor(nodes[0], 'd.db', { init: { integrityCheckOnOpen: true } })
    expect(r.recordCount()).toBe(26)
    expect(r.versionVector()).toEqual({ [nodes[0].id]: 21, [nodes[1].id]: 5 })
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

describe('corruption', () => {
  async function populated (name: string, n: number): Promise<string> {
    const l = await ledgerFor(nodes[0], name)
    for (let i = 0; i < n; i += 500) await l.append(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ key: `k${(i + j) % 50}`, payload: { i: i + j, text: 'lorem ipsum '.repeat(8) } })))
    await l.close()
    open.splice(open.indexOf(l), 1)
    return join(dir, name)
  }

  it('a copy with bytes flipped in the middle of the file opens unhealthy or fails with StorageCorruptError', async () => {
    const path = await populated('orig.db', 3000)
    expect(existsSync(path + '-wal') ? statSync(path + '-wal').size : 0).toBe(0)
    const copy = join(dir, 'flipped.db')
    copyFileSync(path, copy)
    const size = statSync(copy).size
    expect(size).toBeGreaterThan(200_000)
    const fd = openSync(copy, 'r+')
    const at = Math.floor(size / 2 / 4096) * 4096 + 100
    const buf = Buffer.alloc(3000)
    readSync(fd, buf, 0, buf.length, at)
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i] ^ 0x5a
    writeSync(fd, buf, 0, buf.length, at)
    closeSync(fd)

    let ledger: Ledger | undefined
    let openError: unknown
    try {
      ledger = await createLedger({ dbPath: copy, integrityCheckOnOpen: false }, { privateKey: nodes[0].key, isMember: () => true, logger: createSilentLogger() })
    } catch (err) {
      openError = err
    }
    if (ledger !== undefined) {
      open.push(ledger)
      const report = await ledger.integrityCheck()
      expect(report.status).toBe('unhealthy')
      expect(report.errors.length).toBeGreaterThan(0)
      expect(ledger.lastIntegrity()?.status).toBe('unhealthy')
    } else {
      expect(openError).toBeInstanceOf(StorageCorruptError)
      expect((openError as StorageCorruptError).path).toBe(copy)
    }
  })

  it('never serves a row altered on disk before the integrity check has covered it', async () => {
    const path = await populated('orig-reads.db', 300)
    const copy = join(dir, 'altered-reads.db')
    copyFileSync(path, copy)
    const db = new DatabaseSync(copy)
    const victim = db.prepare('SELECT id, origin, seq FROM records WHERE lsn = 123').get() as { id: string, origin: string, seq: number }
    db.prepare('UPDATE records SET payload = ? WHERE lsn = 123').run('{"forged":true}')
    db.close()
    const l = await createLedger({ dbPath: copy, integrityCheckOnOpen: false }, { privateKey: nodes[0].key, isMember: () => true, logger: createSilentLogger() })
    open.push(l)
    // No check has run: every path that would serve the altered row refuses it.
    expect(l.lastIntegrity()).toBeUndefined()
    expect(() => l.get(victim.id)).toThrow(StorageCorruptError)
    expect(() => l.get(victim.id)).toThrow(/lsn 123/)
    expect(() => l.list({ after: 100, limit: 50 })).toThrow(StorageCorruptError)
    expect(() => l.listByOrigin(victim.origin, victim.seq, victim.seq, 1)).toThrow(StorageCorruptError)
    expect(() => l.missingFor({}, 1000)).toThrow(StorageCorruptError)
    // Untouched rows are served.
    expect(l.list({ after: 0, limit: 100 })).toHaveLength(100)
    expect(l.get(l.list({ after: 200, limit: 1 })[0].id)?.lsn).toBe(201)
    // The check reports it; reads keep refusing it.
    expect((await l.integrityCheck()).status).toBe('unhealthy')
    expect(() => l.get(victim.id)).toThrow(StorageCorruptError)
  })

  it.each([
    ['in a worker thread', true],
    ['in-process', false]
  ])('a payload altered through SQL is caught by the id/signature check (%s)', async (_mode, inWorker) => {
    const path = await populated('orig2.db', 2000)
    const copy = join(dir, 'altered.db')
    copyFileSync(path, copy)
    const db = new DatabaseSync(copy)
    db.prepare('UPDATE records SET payload = ? WHERE lsn = 1234').run('{"i":1234,"text":"forged"}')
    db.close()
    const registry = new Registry()
    const logged: string[] = []
    const logger = winston.createLogger({ transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _enc, cb) => { logged.push(chunk.toString()); cb() } }) })] })
    const l = await createLedger({ dbPath: copy, integrityCheckOnOpen: false, integrityInWorker: inWorker, integrityChunkSize: 300 }, { privateKey: nodes[0].key, isMember: () => true, logger, registry })
    open.push(l)
    // Ids are untouched, so the Merkle root still matches: only the per-record check sees it.
    const report = await l.integrityCheck()
    expect(report.status).toBe('unhealthy')
    expect(report.sqlite_ok).toBe(true)
    expect(report.merkle_ok).toBe(true)
    expect(report.signatures_ok).toBe(false)
    expect(report.record_count).toBe(2000)
    expect(report.errors.join('\n')).toContain('lsn 1234')
    expect(await metricValue(registry, 'lattice_ledger_integrity_ok')).toBe(0)
    // The worker really ran: no fallback to the in-process scan.
    expect(logged.join('')).not.toContain('integrity worker unavailable')

    // An id changed through SQL breaks the Merkle comparison as well, already at open.
    const copy2 = join(dir, 'altered2.db')
    copyFileSync(path, copy2)
    const db2 = new DatabaseSync(copy2)
    db2.prepare('UPDATE records SET id = ? WHERE lsn = 7').run('f'.repeat(64))
    db2.close()
    const l2 = await ledgerFor(nodes[0], 'altered2.db', { init: { integrityInWorker: inWorker } })
    expect(l2.lastIntegrity()?.status).toBe('unhealthy')
    const r2 = await l2.integrityCheck()
    expect(r2.merkle_ok).toBe(false)
    expect(r2.status).toBe('unhealthy')

    // An id that is not even hex: the open reports it instead of failing on it.
    const copy3 = join(dir, 'altered3.db')
    copyFileSync(path, copy3)
    const db3 = new DatabaseSync(copy3)
    db3.prepare('UPDATE records SET id = ? WHERE lsn = 9').run('not an id')
    db3.close()
    const l3 = await ledgerFor(nodes[0], 'altered3.db', { init: { integrityInWorker: inWorker } })
    expect(l3.lastIntegrity()?.errors.join('\n')).toContain('lsn 9')
    const r3 = await l3.integrityCheck()
    expect(r3.status).toBe('unhealthy')
    expect(r3.errors.join('\n')).toContain('lsn 9')
  })

  it.each([
    ['in a worker thread', true],
    ['in-process', false]
  ])('the node keeps serving while an integrity check runs (%s)', async (_mode, inWorker) => {
    const l = await ledgerFor(nodes[0], 'busy.db', { init: { integrityInWorker: inWorker, integrityChunkSize: 500 } })
    for (let i = 0; i < 6; i++) await l.append(Array.from({ length: 1000 }, (_, j) => ({ key: `k${j}`, payload: { i, j } })))
    let checkDone = false
    const check = l.integrityCheck().then((r) => { checkDone = true; return r })
    const written = await l.append([{ key: 'during', payload: 'the check' }])
    expect(checkDone).toBe(false)
    expect(written[0].seq).toBe(6001)
    const report = await check
    expect(report.status).toBe('healthy')
    // The check covers what was committed when it started.
    expect(report.record_count).toBe(6000)
    expect((await l.integrityCheck()).record_count).toBe(6001)
  })

  it('a file that is not a database fails with StorageCorruptError', async () => {
    const path = join(dir, 'garbage.db')
    const fd = openSync(path, 'w')
    writeSync(fd, Buffer.alloc(8192, 0x42))
    closeSync(fd)
    await expect(createLedger({ dbPath: path }, { privateKey: nodes[0].key, isMember: () => true, logger: createSilentLogger() })).rejects.toBeInstanceOf(StorageCorruptError)
  })
})
