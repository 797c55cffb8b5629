/**
 * The integrity check: SQLite's own check, the Merkle root recomputed from the stored ids against the
 * stored root, and every record's id and signature.
 *
 * It runs in a worker thread with its own read-only connection (WAL lets it read a consistent
 * snapshot while the node keeps writing), so neither PRAGMA integrity_check nor a million signature
 * checks block the event loop. Where a worker cannot start, the same scan runs in-process in chunks,
 * yielding to the event loop between them.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import type { RecordStore } from '../storage/index.js'
import type { IntegrityReport, JsonValue, RecordBody } from './interface.js'
import { createMerkleTree } from './merkle.js'
import { isRecordId, recordId, verifySignature, verifySignatureAsync } from './record.js'
import type { Equivocation } from './state.js'

export interface IntegritySnapshot {
  /** Check the rows with lsn <= lastLsn: what the stored root describes. */
  lastLsn: number
  storedRoot: string | undefined
  storedCount: number | undefined
  /**
   * Incremental check: verify only the rows after `fromLsn` (an earlier healthy check covered the
   * rest, durably marked in meta). The Merkle part then compares the tree memory holds (rebuilt at open
   * from every stored id, extended by verified commits) with the stored root and count.
   */
  incremental?: { fromLsn: number, root: string, count: number }
}

export interface ScanOptions {
  chunkSize: number
  /** PRAGMA quick_check instead of integrity_check (skips index consistency). */
  quick: boolean
  /** Asked between chunks: stop early. */
  aborted?: () => boolean
  /**
   * 'async' verifies on the thread pool (the in-process scan must not hold the event loop);
   * 'sync' keeps a worker thread on its one core, leaving the pool to the node's own verifications.
   */
  verify: 'sync' | 'async'
}

/** What the scan of the database found (without the equivocations, which live in memory). */
export interface IntegrityScan {
  sqliteOk: boolean
  merkleOk: boolean
  signaturesOk: boolean
  /** Records the check covers (every record: the incremental check counts the earlier verified ones too). */
  scanned: number
  /** Records whose id and signature this check verified. */
  verified: number
  /** The lsn after which records were verified (0: all of them). */
  fromLsn: number
  root: string
  errors: string[]
}

const MAX_LISTED = 20

/** Scan a store: SQLite check, then every record with fromLsn < lsn <= snapshot.lastLsn in chunks. */
export async function scanIntegrity (store: RecordStore, snapshot: IntegritySnapshot, options: ScanOptions): Promise<IntegrityScan> {
  const errors: string[] = []
  let sqliteOk = false
  try {
    const result = store.integrityCheck(options.quick)
    sqliteOk = result.length === 1 && result[0] === 'ok'
    if (!sqliteOk) errors.push(`sqlite ${options.quick ? 'quick_check' : 'integrity_check'}: ${result.slice(0, 5).join('; ')}`)
  } catch (err) {
    errors.push(`sqlite integrity check failed: ${(err as Error).message}`)
  }

  const tree = createMerkleTree()
  let signaturesOk = true
  let badRecords = 0
  let scanned = 0
  let scanFailed = false
  const noteBad = (msg: string): void => {
    signaturesOk = false
    badRecords++
    if (badRecords <= MAX_LISTED) errors.push(msg)
  }
  try {
    let after = snapshot.incremental?.fromLsn ?? 0
    for (;;) {
      if (options.aborted?.() === true) {
        errors.push('integrity check aborted')
        scanFailed = true
        break
      }
      const rows = store.rowsBetween(after, snapshot.lastLsn, options.chunkSize)
      if (rows.length === 0) break
      const ids: string[] = []
      const checks: Array<Promise<void>> = []
      for (const row of rows) {
        if (!isRecordId(row.id)) {
          noteBad(`record lsn ${row.lsn}: malformed id`)
          continue
        }
        ids.push(row.id)
        let payload: JsonValue
        try {
          payload = JSON.parse(row.payload) as JsonValue
        } catch {
          noteBad(`record lsn ${row.lsn}: payload is not JSON`)
          continue
        }
        const body: RecordBody = { origin: row.origin, seq: row.seq, ts: row.ts, key: row.key, payload }
        let id: string
        try {
          id = recordId(body)
        } catch (err) {
          noteBad(`record lsn ${row.lsn}: cannot compute its id: ${(err as Error).message}`)
          continue
        }
        if (id !== row.id) {
          noteBad(`record lsn ${row.lsn} (${row.origin} seq ${row.seq}): stored id ${row.id} does not match its content (${id})`)
          continue
        }
        if (options.verify === 'sync') {
          if (!verifySignature(row)) noteBad(`record lsn ${row.lsn} (${row.origin} seq ${row.seq}): bad signature`)
        } else {
          checks.push(verifySignatureAsync(row).then((ok) => {
            if (!ok) noteBad(`record lsn ${row.lsn} (${row.origin} seq ${row.seq}): bad signature`)
          }))
        }
      }
      tree.bulkLoad(ids)
      await Promise.all(checks)
      scanned += rows.length
      after = rows[rows.length - 1].lsn
      if (options.verify === 'async') await yieldToLoop()
    }
  } catch (err) {
    scanFailed = true
    signaturesOk = false
    errors.push(`reading records failed: ${(err as Error).message}`)
  }
  if (badRecords > MAX_LISTED) errors.push(`… and ${badRecords - MAX_LISTED} more bad records`)

  const verified = scanned
  const fromLsn = snapshot.incremental?.fromLsn ?? 0
  if (snapshot.incremental !== undefined) {
    const { root, count } = snapshot.incremental
    const merkleOk = !scanFailed && compareWithStored(snapshot, root, count, errors)
    return { sqliteOk, merkleOk, signaturesOk, scanned: count, verified, fromLsn, root, errors }
  }
  const root = tree.root()
  let merkleOk = !scanFailed
  if (!scanFailed) {
    merkleOk = compareWithStored(snapshot, root, scanned, errors)
    if (tree.size !== scanned) {
      merkleOk = false
      errors.push(`${scanned - tree.size} duplicate record ids`)
    }
  }
  return { sqliteOk, merkleOk, signaturesOk, scanned, verified, fromLsn, root, errors }
}

/** The recomputed root and count against the stored ones; a difference is listed in errors. */
function compareWithStored (snapshot: IntegritySnapshot, root: string, count: number, errors: string[]): boolean {
  let ok = true
  if (snapshot.storedRoot === undefined) {
    if (count > 0) {
      ok = false
      errors.push('no stored merkle root although records are stored')
    }
  } else if (snapshot.storedRoot !== root) {
    ok = false
    errors.push(`merkle root recomputed from the stored ids (${root}) differs from the stored root (${snapshot.storedRoot})`)
  }
  if (snapshot.storedCount !== undefined && snapshot.storedCount !== count) {
    ok = false
    errors.push(`stored record count ${snapshot.storedCount} differs from the ${count} records found`)
  }
  return ok
}

export function describeEquivocation (e: Equivocation): string {
  return `equivocation by ${e.origin} at seq ${e.seq}: ids ${e.ids.join(', ')}${e.appliedId === null ? ' (none applied)' : ` (applied ${e.appliedId})`}`
}

/** The report: the scan plus what memory knows (equivocations, problems found at load). */
export function buildReport (scan: IntegrityScan, extra: { equivocations: Equivocation[], knownProblems: string[], checkedAt: number, durationMs: number }): IntegrityReport {
  const errors = [...extra.knownProblems, ...scan.errors]
  for (const e of extra.equivocations.slice(0, MAX_LISTED)) errors.push(describeEquivocation(e))
  if (extra.equivocations.length > MAX_LISTED) errors.push(`… and ${extra.equivocations.length - MAX_LISTED} more equivocations`)
  const healthy = scan.sqliteOk && scan.merkleOk && scan.signaturesOk && errors.length === 0
  return {
    status: healthy ? 'healthy' : 'unhealthy',
    sqlite_ok: scan.sqliteOk,
    merkle_ok: scan.merkleOk,
    signatures_ok: scan.signaturesOk,
    record_count: scan.scanned,
    mode: scan.fromLsn > 0 ? 'incremental' : 'full',
    verified_records: scan.verified,
    verified_from_lsn: scan.fromLsn,
    merkle_root: scan.root,
    checked_at: new Date(extra.checkedAt).toISOString(),
    duration_ms: Math.round(extra.durationMs * 1000) / 1000,
    errors,
    equivocations: extra.equivocations.length
  }
}

/** Data handed to the worker thread. */
export interface IntegrityWorkerData {
  dbPath: string
  snapshot: IntegritySnapshot
  chunkSize: number
  quick: boolean
}

export type IntegrityWorkerMessage = { ok: true, scan: IntegrityScan } | { ok: false, error: string }

/** A running check that can be stopped (the ledger is closing). */
export interface RunningScan {
  result: Promise<IntegrityScan>
  abort(): void
}

/** Errors that mean "the worker could not run", so the in-process scan should be used instead. */
export class IntegrityWorkerError extends Error {
  static readonly NAME = 'IntegrityWorkerError'
  constructor (message: string, options: { cause?: unknown } = {}) {
    super(message, options)
    this.name = IntegrityWorkerError.NAME
  }
}

/** Start the scan in a worker thread with its own read-only connection. */
export function scanInWorker (data: IntegrityWorkerData): RunningScan {
  const worker = new Worker(new URL('./integrity-worker.js', import.meta.url), { workerData: data })
  let aborted = false
  const result = new Promise<IntegrityScan>((resolve, reject) => {
    let settled = false
    worker.once('message', (msg: IntegrityWorkerMessage) => {
      settled = true
      if (msg.ok) resolve(msg.scan)
      else reject(new IntegrityWorkerError(msg.error))
    })
    worker.once('error', (err) => {
      if (!settled) reject(new IntegrityWorkerError(`integrity worker failed: ${err.message}`, { cause: err }))
      settled = true
    })
    worker.once('exit', (code) => {
      if (!settled) reject(new IntegrityWorkerError(aborted ? 'integrity check aborted' : `integrity worker exited with code ${code}`))
      settled = true
    })
  })
  return {
    result,
    abort: () => {
      aborted = true
      void worker.terminate()
    }
  }
}

/**
 * The same scan on the main thread, chunked. Always PRAGMA quick_check here: the full
 * integrity_check is one synchronous call (about 16 s on a million records on this kind of machine)
 * and would stall the node.
 */
export function scanInProcess (store: RecordStore, snapshot: IntegritySnapshot, options: { chunkSize: number }): RunningScan {
  let aborted = false
  return {
    result: scanIntegrity(store, snapshot, { ...options, quick: true, verify: 'async', aborted: () => aborted }),
    abort: () => { aborted = true }
  }
}
