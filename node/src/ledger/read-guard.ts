import { StorageCorruptError } from '../storage/index.js'
import type { StoredRecord } from './interface.js'
import { verifyRecord, type RecordLimits } from './record.js'

/**
 * Rows that were on disk when the ledger opened are trusted only once an integrity check has covered
 * them. Until then each such row is verified (id and signature, about one Ed25519 verification) when
 * it is read, so a row altered on disk is refused with StorageCorruptError, never served with its
 * altered content. Rows written since the open were verified on their way in and cost nothing.
 */
export interface ReadGuard {
  /** Throws StorageCorruptError for a row that fails verification; returns the rows otherwise. */
  check<T extends StoredRecord | undefined>(row: T): T
  checkAll(rows: StoredRecord[]): StoredRecord[]
  /** A healthy integrity check covered every row up to `lsn`. */
  verifiedUpTo(lsn: number): void
}

export interface ReadGuardInit {
  dbPath: string
  /** The last lsn on disk at open: rows up to it are unverified. */
  lastLsnAtOpen: number
  limits: RecordLimits
}

export function createReadGuard (init: ReadGuardInit): ReadGuard {
  let unverifiedUpTo = init.lastLsnAtOpen
  const verify = (row: StoredRecord): void => {
    if (row.lsn > unverifiedUpTo) return
    const { id, origin, seq, ts, key, payload, sig } = row
    if (!verifyRecord({ id, origin, seq, ts, key, payload, sig }, init.limits)) {
      throw new StorageCorruptError(init.dbPath, `the record at lsn ${row.lsn} (${id}) does not match its id or signature`)
    }
  }
  return {
    check (row) {
      if (row !== undefined) verify(row)
      return row
    },
    checkAll (rows) {
      for (const row of rows) verify(row)
      return rows
    },
    verifiedUpTo (lsn) {
      if (lsn >= unverifiedUpTo) unverifiedUpTo = 0
    }
  }
}
