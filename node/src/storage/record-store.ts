/**
 * Prepared statements over the ledger's tables. No policy here: the ledger decides what to write,
 * this module only knows the schema.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { JsonValue, StoredRecord } from '../ledger/interface.js'

/** A row as written: the payload already in canonical JSON text. */
export interface RecordRow {
  lsn: number
  id: string
  origin: string
  seq: number
  ts: number
  key: string
  payload: string
  sig: string
}

export interface IdempotencyRow {
  key: string
  requestHash: string
  recordIds: string[]
  createdAt: number
}

export interface EquivocationRow {
  origin: string
  seq: number
  ids: string[]
  /** The id this node had already applied at that (origin, seq), if any. */
  appliedId: string | null
  detectedAt: number
}

export interface RecordStore {
  insert(row: RecordRow): void
  getById(id: string): StoredRecord | undefined
  getByIds(ids: string[]): StoredRecord[]
  listAfter(afterLsn: number, limit: number): StoredRecord[]
  /** Rows with afterLsn < lsn <= toLsn, ascending, as rows (payload text): the integrity scan. */
  rowsBetween(afterLsn: number, toLsn: number, limit: number): RecordRow[]
  listByOrigin(origin: string, fromSeq: number, toSeq: number, limit: number): StoredRecord[]
  latestByKey(key: string): StoredRecord | undefined
  /** Every record's (lsn, origin, seq, id) in lsn order: the cold-start index. Arrays for speed. */
  scanIndex(): IterableIterator<[number, string, number, string]>
  count(): number
  getMeta(name: string): string | undefined
  setMeta(name: string, value: string): void
  getIdempotency(key: string): IdempotencyRow | undefined
  putIdempotency(row: IdempotencyRow): void
  /** Forget idempotency keys created before `before` (ms); returns how many. */
  pruneIdempotency(before: number): number
  putEquivocation(row: EquivocationRow): void
  listEquivocations(): EquivocationRow[]
  /** PRAGMA integrity_check (or quick_check): the list of problems, ['ok'] when sound. */
  integrityCheck(quick: boolean): string[]
}

interface SqlRecordRow { lsn: number, id: string, origin: string, seq: number, ts: number, key: string, payload: string, sig: string }

export function rowToRecord (row: SqlRecordRow): StoredRecord {
  return { lsn: row.lsn, id: row.id, origin: row.origin, seq: row.seq, ts: row.ts, key: row.key, payload: JSON.parse(row.payload) as JsonValue, sig: row.sig }
}

const COLS = 'lsn, id, origin, seq, ts, key, payload, sig'

class SqliteRecordStore implements RecordStore {
  private readonly s: {
    insert: StatementSync
    getById: StatementSync
    listAfter: StatementSync
    rowsBetween: StatementSync
    listByOrigin: StatementSync
    latestByKey: StatementSync
    scanIndex: StatementSync
    count: StatementSync
    getMeta: StatementSync
    setMeta: StatementSync
    getIdem: StatementSync
    putIdem: StatementSync
    pruneIdem: StatementSync
    putEquiv: StatementSync
    listEquiv: StatementSync
  }

  constructor (private readonly db: DatabaseSync) {
    this.s = {
      insert: db.prepare(`INSERT INTO records (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      getById: db.prepare(`SELECT ${COLS} FROM records WHERE id = ?`),
      listAfter: db.prepare(`SELECT ${COLS} FROM records WHERE lsn > ? ORDER BY lsn LIMIT ?`),
      rowsBetween: db.prepare(`SELECT ${COLS} FROM records WHERE lsn > ? AND lsn <= ? ORDER BY lsn LIMIT ?`),
      listByOrigin: db.prepare(`SELECT ${COLS} FROM records WHERE origin = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`),
      // The key view: highest ts, then origin (then seq, for one origin writing twice in one ms).
      latestByKey: db.prepare(`SELECT ${COLS} FROM records WHERE key = ? ORDER BY ts DESC, origin DESC, seq DESC LIMIT 1`),
      scanIndex: db.prepare('SELECT lsn, origin, seq, id FROM records ORDER BY lsn'),
      count: db.prepare('SELECT count(*) AS n FROM records'),
      getMeta: db.prepare('SELECT value FROM meta WHERE name = ?'),
      setMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      getIdem: db.prepare('SELECT key, request_hash, record_ids, created_at FROM idempotency WHERE key = ?'),
      // Upsert: an expired key may linger until pruned and is then reused.
      putIdem: db.prepare(`INSERT INTO idempotency (key, request_hash, record_ids, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash, record_ids = excluded.record_ids, created_at = excluded.created_at`),
      pruneIdem: db.prepare('DELETE FROM idempotency WHERE created_at < ?'),
      putEquiv: db.prepare(`INSERT INTO equivocations (origin, seq, ids, applied_id, detected_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (origin, seq) DO UPDATE SET ids = excluded.ids, applied_id = excluded.applied_id`),
      listEquiv: db.prepare('SELECT origin, seq, ids, applied_id, detected_at FROM equivocations ORDER BY origin, seq')
    }
    this.s.scanIndex.setReturnArrays(true)
  }

  insert (r: RecordRow): void {
    this.s.insert.run(r.lsn, r.id, r.origin, r.seq, r.ts, r.key, r.payload, r.sig)
  }

  getById (id: string): StoredRecord | undefined {
    const row = this.s.getById.get(id) as SqlRecordRow | undefined
    return row === undefined ? undefined : rowToRecord(row)
  }

  getByIds (ids: string[]): StoredRecord[] {
    const out: StoredRecord[] = []
    for (const id of ids) {
      const r = this.getById(id)
      if (r !== undefined) out.push(r)
    }
    return out
  }

  listAfter (afterLsn: number, limit: number): StoredRecord[] {
    return (this.s.listAfter.all(afterLsn, limit) as unknown as SqlRecordRow[]).map(rowToRecord)
  }

  rowsBetween (afterLsn: number, toLsn: number, limit: number): RecordRow[] {
    return this.s.rowsBetween.all(afterLsn, toLsn, limit) as unknown as RecordRow[]
  }

  listByOrigin (origin: string, fromSeq: number, toSeq: number, limit: number): StoredRecord[] {
    return (this.s.listByOrigin.all(origin, fromSeq, toSeq, limit) as unknown as SqlRecordRow[]).map(rowToRecord)
  }

  latestByKey (key: string): StoredRecord | undefined {
    const row = this.s.latestByKey.get(key) as SqlRecordRow | undefined
    return row === undefined ? undefined : rowToRecord(row)
  }

  scanIndex (): IterableIterator<[number, string, number, string]> {
    return this.s.scanIndex.iterate() as unknown as IterableIterator<[number, string, number, string]>
  }

  count (): number {
    return (this.s.count.get() as { n: number }).n
  }

  getMeta (name: string): string | undefined {
    const row = this.s.getMeta.get(name) as { value: string } | undefined
    return row?.value
  }

  setMeta (name: string, value: string): void {
    this.s.setMeta.run(name, value)
  }

  getIdempotency (key: string): IdempotencyRow | undefined {
    const row = this.s.getIdem.get(key) as { key: string, request_hash: string, record_ids: string, created_at: number } | undefined
    if (row === undefined) return undefined
    return { key: row.key, requestHash: row.request_hash, recordIds: JSON.parse(row.record_ids) as string[], createdAt: row.created_at }
  }

  putIdempotency (row: IdempotencyRow): void {
    this.s.putIdem.run(row.key, row.requestHash, JSON.stringify(row.recordIds), row.createdAt)
  }

  pruneIdempotency (before: number): number {
    return Number(this.s.pruneIdem.run(before).changes)
  }

  putEquivocation (row: EquivocationRow): void {
    this.s.putEquiv.run(row.origin, row.seq, JSON.stringify(row.ids), row.appliedId, row.detectedAt)
  }

  listEquivocations (): EquivocationRow[] {
    const rows = this.s.listEquiv.all() as Array<{ origin: string, seq: number, ids: string, applied_id: string | null, detected_at: number }>
    return rows.map((r) => ({ origin: r.origin, seq: r.seq, ids: JSON.parse(r.ids) as string[], appliedId: r.applied_id, detectedAt: r.detected_at }))
  }

  integrityCheck (quick: boolean): string[] {
    const rows = this.db.prepare(quick ? 'PRAGMA quick_check' : 'PRAGMA integrity_check').all() as Array<Record<string, string>>
    return rows.map((r) => Object.values(r)[0])
  }
}

export function createRecordStore (db: DatabaseSync): RecordStore {
  return new SqliteRecordStore(db)
}
