/**
 * Reads from the store. Every read is (1) refused once the ledger is closed, (2) mapped to a named
 * storage error and counted when SQLite fails (a damaged page surfaces as StorageCorruptError), and
 * (3) passed through the read guard, so a row altered on disk since the open is never served.
 */
import { classifyStorageError } from '../storage/index.js'
import type { LedgerCore } from './core.js'
import { LedgerClosedError } from './errors.js'
import type { ListOptions, StoredRecord } from './interface.js'
import type { ReadGuard } from './read-guard.js'

export interface LedgerReader {
  get(id: string): StoredRecord | undefined
  listByOrigin(origin: string, fromSeq: number, toSeq: number | undefined, limit: number): StoredRecord[]
  list(options: ListOptions): StoredRecord[]
  latestByKey(key: string): StoredRecord | undefined
  /** Verified rows of one origin with seq in [from, to] (no clamping to the head: the caller did it). */
  originRange(origin: string, from: number, to: number, limit: number): StoredRecord[]
  /** Runs a store read with the closed check and the error mapping (no row verification). */
  read<T>(fn: () => T): T
}

export function createLedgerReader (core: LedgerCore, guard: ReadGuard): LedgerReader {
  const read = <T>(fn: () => T): T => {
    if (core.lifecycle.closed) throw new LedgerClosedError()
    try {
      return fn()
    } catch (err) {
      core.metrics.storageErrors.inc()
      throw classifyStorageError(core.dbPath, err)
    }
  }
  const originRange = (origin: string, from: number, to: number, limit: number): StoredRecord[] =>
    guard.checkAll(read(() => core.store.listByOrigin(origin, from, to, limit)))
  return {
    read,
    originRange,
    get (id) {
      if (typeof id !== 'string' || id.length !== 64) return undefined
      return guard.check(read(() => core.store.getById(id)))
    },
    listByOrigin (origin, fromSeq, toSeq, limit) {
      const head = core.state.head(origin)
      const to = Math.min(toSeq ?? head, head)
      if (limit <= 0 || to < fromSeq) return []
      return originRange(origin, Math.max(1, fromSeq), to, limit)
    },
    list (options) {
      if (options.limit <= 0) return []
      return guard.checkAll(read(() => core.store.listAfter(options.after ?? 0, options.limit)))
    },
    latestByKey (key) {
      return guard.check(read(() => core.store.latestByKey(key)))
    }
  }
}
