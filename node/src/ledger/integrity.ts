/**
 * The integrity check: SQLite's own check, the Merkle root recomputed from the stored ids against the
 * stored root, and every record's id and signature. Verification runs in chunks on the thread pool,
 * yielding to the event loop between chunks so the node keeps serving during a long check.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { RecordStore } from '../storage/index.js'
import type { IntegrityReport } from './interface.js'
import { createMerkleTree } from './merkle.js'
import { recordId, verifySignatureAsync } from './record.js'
import type { RecordBody, JsonValue } from './interface.js'
import type { Equivocation } from './state.js'

export interface IntegritySnapshot {
  /** Check the rows with lsn <= lastLsn: what the stored root describes. */
  lastLsn: number
  storedRoot: string | undefined
  storedCount: number | undefined
}

export interface IntegrityInit {
  store: RecordStore
  snapshot: IntegritySnapshot
  equivocations: Equivocation[]
  /** Extra problems found before (e.g. seq gaps at load). */
  knownProblems?: string[]
  chunkSize?: number
  quick?: boolean
  clock: () => number
  /** Asked between chunks: stop early (the ledger is closing). */
  aborted?: () => boolean
}

const MAX_LISTED = 20

export async function runIntegrityCheck (init: IntegrityInit): Promise<IntegrityReport> {
  const started = performance.now()
  const { store, snapshot } = init
  const chunk = init.chunkSize ?? 2000
  const errors: string[] = [...(init.knownProblems ?? [])]
  let sqliteOk = false
  try {
    const result = store.integrityCheck(init.quick ?? false)
    sqliteOk = result.length === 1 && result[0] === 'ok'
    if (!sqliteOk) errors.push(`sqlite integrity_check: ${result.slice(0, 5).join('; ')}`)
  } catch (err) {
    errors.push(`sqlite integrity_check failed: ${(err as Error).message}`)
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
    let after = 0
    for (;;) {
      if (init.aborted?.() === true) {
        errors.push('integrity check aborted: the ledger is closing')
        scanFailed = true
        break
      }
      const rows = store.rowsBetween(after, snapshot.lastLsn, chunk)
      if (rows.length === 0) break
      const checks = rows.map(async (row) => {
        tree.bulkLoad([row.id])
        let payload: JsonValue
        try {
          payload = JSON.parse(row.payload) as JsonValue
        } catch {
          noteBad(`record lsn ${row.lsn}: payload is not JSON`)
          return
        }
        const body: RecordBody = { origin: row.origin, seq: row.seq, ts: row.ts, key: row.key, payload }
        let id: string
        try {
          id = recordId(body)
        } catch (err) {
          noteBad(`record lsn ${row.lsn}: cannot compute its id: ${(err as Error).message}`)
          return
        }
        if (id !== row.id) {
          noteBad(`record lsn ${row.lsn} (${row.origin} seq ${row.seq}): stored id ${row.id} does not match its content (${id})`)
          return
        }
        if (!(await verifySignatureAsync(row))) noteBad(`record lsn ${row.lsn} (${row.origin} seq ${row.seq}): bad signature`)
      })
      await Promise.all(checks)
      scanned += rows.length
      after = rows[rows.length - 1].lsn
      await yieldToLoop()
    }
  } catch (err) {
    scanFailed = true
    signaturesOk = false
    errors.push(`reading records failed: ${(err as Error).message}`)
  }
  if (badRecords > MAX_LISTED) errors.push(`… and ${badRecords - MAX_LISTED} more bad records`)

  const root = tree.root()
  let merkleOk = !scanFailed
  if (!scanFailed) {
    if (snapshot.storedRoot === undefined) {
      if (scanned > 0) {
        merkleOk = false
        errors.push('no stored merkle root although records are stored')
      }
    } else if (snapshot.storedRoot !== root) {
      merkleOk = false
      errors.push(`merkle root recomputed from the stored ids (${root}) differs from the stored root (${snapshot.storedRoot})`)
    }
    if (snapshot.storedCount !== undefined && snapshot.storedCount !== scanned) {
      merkleOk = false
      errors.push(`stored record count ${snapshot.storedCount} differs from the ${scanned} records found`)
    }
    if (tree.size !== scanned) {
      merkleOk = false
      errors.push(`${scanned - tree.size} duplicate record ids`)
    }
  }
  for (const e of init.equivocations.slice(0, MAX_LISTED)) {
    errors.push(`equivocation by ${e.origin} at seq ${e.seq}: ids ${e.ids.join(', ')}${e.appliedId === null ? ' (none applied)' : ` (applied ${e.appliedId})`}`)
  }
  if (init.equivocations.length > MAX_LISTED) errors.push(`… and ${init.equivocations.length - MAX_LISTED} more equivocations`)

  const healthy = sqliteOk && merkleOk && signaturesOk && errors.length === 0
  return {
    status: healthy ? 'healthy' : 'unhealthy',
    sqlite_ok: sqliteOk,
    merkle_ok: merkleOk,
    signatures_ok: signaturesOk,
    record_count: scanned,
    merkle_root: root,
    checked_at: new Date(init.clock()).toISOString(),
    duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    errors,
    equivocations: init.equivocations.length
  }
}
