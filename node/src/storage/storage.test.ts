import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { openDatabase, SCHEMA_VERSION } from './database.js'
import { SchemaVersionError, StorageCorruptError, StorageError } from './errors.js'
import { createGroupCommitter } from './group-commit.js'
import { MIGRATIONS, type Migration } from './migrations.js'
import { createRecordStore } from './record-store.js'

let dir: string
const dbs: DatabaseSync[] = []

function openAt (name: string, migrations?: readonly Migration[]): DatabaseSync {
  const db = openDatabase({ path: join(dir, name), ...(migrations !== undefined ? { migrations } : {}) })
  dbs.push(db)
  return db
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lattice-storage-'))
})

afterEach(() => {
  for (const db of dbs.splice(0)) {
    try {
      db.close()
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true })
})

describe('openDatabase', () => {
  it('creates the schema with WAL, synchronous=FULL and the schema version', () => {
    const db = openAt('sub/dir/a.db')
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
    expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 2 })
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION })
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name)
    expect(tables).toEqual(['equivocations', 'idempotency', 'meta', 'records'])
    const indexes = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL").all() as Array<{ name: string }>).map((r) => r.name)
    expect(indexes).toContain('records_key_ts')
  })

  it('applies only the migrations a file lacks, in order, and refuses a newer schema', () => {
    openAt('m.db').close()
    dbs.pop()
    const extra: Migration = { version: SCHEMA_VERSION + 1, description: 'test column', sql: 'ALTER TABLE meta ADD COLUMN note TEXT' }
    const db = openAt('m.db', [...MIGRATIONS, extra])
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION + 1 })
    db.prepare("INSERT INTO meta (name, value, note) VALUES ('x', 'y', 'z')").run()
    db.close()
    dbs.pop()
    expect(() => openAt('m.db')).toThrow(SchemaVersionError)
  })

  it('fails with StorageCorruptError on a file that is not a database, StorageError when it cannot open', () => {
    writeFileSync(join(dir, 'junk.db'), Buffer.alloc(4096, 7))
    expect(() => openAt('junk.db')).toThrow(StorageCorruptError)
    writeFileSync(join(dir, 'file'), 'x')
    let err: unknown
    try {
      openAt('file/inside.db')
    } catch (e) { err = e }
    expect(err).toBeInstanceOf(StorageError)
    expect((err as StorageError).name).toBe('StorageError')
  })
})

describe('record store', () => {
  it('stores and reads records, meta, idempotency keys and equivocations', () => {
    const store = createRecordStore(openAt('s.db'))
    const row = (lsn: number, origin: string, seq: number, key: string, ts: number) => ({ lsn, id: String(lsn).padStart(64, '0'), origin, seq, ts, key, payload: `{"n":${lsn}}`, sig: 's' })
    store.insert(row(1, 'a', 1, 'k', 10))
    store.insert(row(2, 'b', 1, 'k', 10))
    store.insert(row(3, 'a', 2, 'k', 5))
    expect(() => { store.insert(row(4, 'a', 2, 'k', 5)) }).toThrow()
    expect(store.count()).toBe(3)
    expect(store.getById(String(2).padStart(64, '0'))?.payload).toEqual({ n: 2 })
    // Highest ts, then origin.
    expect(store.latestByKey('k')?.lsn).toBe(2)
    expect(store.listByOrigin('a', 1, 10, 10).map((r) => r.seq)).toEqual([1, 2])
    expect(store.listAfter(1, 1).map((r) => r.lsn)).toEqual([2])
    expect([...store.scanIndex()]).toEqual([[1, 'a', 1, '0'.repeat(63) + '1'], [2, 'b', 1, '0'.repeat(63) + '2'], [3, 'a', 2, '0'.repeat(63) + '3']])
    store.setMeta('root', 'r1')
    store.setMeta('root', 'r2')
    expect(store.getMeta('root')).toBe('r2')
    store.putIdempotency({ key: 'i', requestHash: 'h', recordIds: ['x'], createdAt: 1 })
    expect(store.getIdempotency('i')).toEqual({ key: 'i', requestHash: 'h', recordIds: ['x'], createdAt: 1 })
    store.putEquivocation({ origin: 'a', seq: 1, ids: ['x', 'y'], appliedId: 'x', detectedAt: 3 })
    store.putEquivocation({ origin: 'a', seq: 1, ids: ['x', 'y', 'z'], appliedId: 'x', detectedAt: 3 })
    expect(store.listEquivocations()).toEqual([{ origin: 'a', seq: 1, ids: ['x', 'y', 'z'], appliedId: 'x', detectedAt: 3 }])
    expect(store.integrityCheck(false)).toEqual(['ok'])
  })
})

describe('group commit', () => {
  it('writes concurrent submissions in one transaction and resolves each after the commit', async () => {
    const db = openAt('g.db')
    db.exec('CREATE TABLE t (v INTEGER)')
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    const groups: number[] = []
    let committed = 0
    const gc = createGroupCommitter<number, number>({
      db,
      execute: (ops) => {
        groups.push(ops.length)
        for (const v of ops) insert.run(v)
        return { results: ops.map((v) => (v < 0 ? new RangeError('negative') : v * 2)), commit: () => { committed += ops.length }, rollback: () => {} }
      }
    })
    const settled = await Promise.allSettled(Array.from({ length: 50 }, async (_, i) => await gc.submit(i === 7 ? -1 : i)))
    expect(groups).toEqual([50])
    expect(gc.commits).toBe(1)
    expect(committed).toBe(50)
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(49)
    expect((settled[7] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError)
    expect((settled[3] as PromiseFulfilledResult<number>).value).toBe(6)
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 50 })
    // A later submission makes a new group.
    await gc.submit(100)
    expect(groups).toEqual([50, 1])
  })

  it('bounds a group by weight: the rest goes into the next transactions', async () => {
    const db = openAt('w.db')
    db.exec('CREATE TABLE t (v INTEGER)')
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    const groups: number[][] = []
    const gc = createGroupCommitter<number, number>({
      db,
      execute: (ops) => {
        groups.push(ops)
        for (const v of ops) insert.run(v)
        return { results: ops, commit: () => {}, rollback: () => {} }
      },
      weight: (op) => op,
      maxGroupWeight: 10
    })
    const results = await Promise.all([4, 5, 3, 20, 1, 1].map(async (w) => await gc.submit(w)))
    expect(results).toEqual([4, 5, 3, 20, 1, 1])
    // 4+5 fits, +3 would not; 3 alone; 20 alone (one op is always taken); then 1+1.
    expect(groups).toEqual([[4, 5], [3], [20], [1, 1]])
    expect(gc.commits).toBe(4)
  })

  it('runs an async prepare before each transaction, the next group\'s while the previous one waits to commit, transactions in order; a failing prepare rejects its group', async () => {
    const db = openAt('p.db')
    db.exec('CREATE TABLE t (v INTEGER)')
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    const events: string[] = []
    let release: (() => void) | undefined
    const gc = createGroupCommitter<number, number>({
      db,
      prepare: async (ops) => {
        events.push(`prepare ${ops.join(',')}`)
        if (ops.includes(99)) throw new Error('cannot prepare')
        if (ops.includes(1)) await new Promise<void>((resolve) => { release = resolve })
      },
      settled: (ops) => { events.push(`settled ${ops.join(',')}`) },
      execute: (ops) => {
        events.push(`execute ${ops.join(',')}`)
        for (const v of ops) insert.run(v)
        return { results: ops, commit: () => {}, rollback: () => {} }
      }
    })
    const first = Promise.all([gc.submit(1), gc.submit(2)])
    // Wait (bounded) until the first group is in prepare, then submit more: they must wait for it.
    for (let i = 0; i < 1000 && release === undefined; i++) await new Promise((resolve) => setImmediate(resolve))
    expect(release).toBeDefined()
    const second = Promise.all([gc.submit(3), gc.submit(4)])
    await new Promise((resolve) => setImmediate(resolve))
    expect(events).toEqual(['prepare 1,2'])
    release?.()
    expect(await first).toEqual([1, 2])
    expect(await second).toEqual([3, 4])
    // 3,4 was submitted while 1,2 prepared: it prepares as soon as 1,2's prepare ended, before 1,2 commits
    expect(events).toEqual(['prepare 1,2', 'prepare 3,4', 'execute 1,2', 'settled 1,2', 'execute 3,4', 'settled 3,4'])
    events.length = 0
    await expect(gc.submit(99)).rejects.toThrow('cannot prepare')
    expect(events).toEqual(['prepare 99', 'settled 99'])
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 4 })
    await gc.drain()
    expect(gc.pending).toBe(0)
  })

  it('rolls back and rejects the whole group when the transaction fails', async () => {
    const db = openAt('f.db')
    db.exec('CREATE TABLE t (v INTEGER NOT NULL)')
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)')
    let rolledBack = 0
    let failures = 0
    const gc = createGroupCommitter<number | null, true>({
      db,
      execute: (ops) => {
        for (const v of ops) insert.run(v)
        return { results: ops.map(() => true as const), commit: () => {}, rollback: () => { rolledBack++ } }
      },
      onFailure: () => { failures++ }
    })
    const settled = await Promise.allSettled([gc.submit(1), gc.submit(null), gc.submit(3)])
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(failures).toBe(1)
    expect(rolledBack).toBe(0) // execute threw before returning an outcome
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 })
    await expect(gc.submit(4)).resolves.toBe(true)
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 })
    await gc.drain()
    expect(gc.pending).toBe(0)
  })
})
