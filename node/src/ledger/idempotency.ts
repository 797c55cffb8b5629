/**
 * Idempotency keys: a retried append with the same key returns the first result instead of writing
 * again. Keys are stored with the record ids in the write's own transaction, so a key is remembered
 * exactly when its records are durable; they expire after a TTL and are pruned as writes go.
 */
import type { IdempotencyRow } from '../storage/index.js'
import { canonicalString } from '../../../packages/contracts/src/canonical-json.js'
import type { LedgerCore } from './core.js'
import { IdempotencyConflictError, InvalidEntryError } from './errors.js'
import type { StoredRecord } from './interface.js'
import type { LedgerReader } from './reads.js'
import { sha256Hex } from './record.js'

/**
 * The longest key, in characters. The API documents 128 (the `Idempotency-Key` header); the ledger
 * enforces the same so a direct caller cannot store keys the API would never accept.
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128

/** How often a write also forgets expired idempotency keys. */
const PRUNE_INTERVAL_MS = 60_000

/** Default time a key is remembered: 24 h, as payment APIs do. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000

/** An entry as the write path holds it: the key and the payload already in canonical JSON. */
export interface CheckedEntry {
  key: string
  canonicalPayload: string
}

export function checkIdempotencyKey (key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new InvalidEntryError(`idempotency key must be a string of 1..${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, 'idempotencyKey', { limit: MAX_IDEMPOTENCY_KEY_LENGTH })
  }
  return key
}

/** What a client retrying with an idempotency key must send again: the canonical entries. */
export function requestHash (entries: CheckedEntry[]): string {
  return sha256Hex('[' + entries.map((e) => `{"key":${canonicalString(e.key)},"payload":${e.canonicalPayload}}`).join(',') + ']')
}

export interface IdempotencyIndex {
  /** Outside a transaction (the fast path of a retry): a stored, unexpired key, read like any read. */
  live(key: string): IdempotencyRow | undefined
  /** Inside the group's transaction: the first result for a stored key, a conflict, or undefined. */
  replayStored(key: string, hash: string, now: number): StoredRecord[] | IdempotencyConflictError | undefined
  /** The answer to a retry of `row`: its records, or a conflict when the entries differ. */
  replay(key: string, hash: string, row: IdempotencyRow): StoredRecord[] | IdempotencyConflictError
  /** Inside the transaction: store the key with its records (replacing an expired row). */
  remember(key: string, hash: string, records: StoredRecord[], now: number): void
  /** Inside the transaction: drop expired keys, at most once a minute. */
  pruneIfDue(now: number): void
}

export function createIdempotencyIndex (core: LedgerCore, reader: LedgerReader, ttlMs: number): IdempotencyIndex {
  let lastPrune = 0
  const unexpired = (row: IdempotencyRow | undefined, now: number): IdempotencyRow | undefined =>
    row !== undefined && row.createdAt >= now - ttlMs ? row : undefined
  const replay = (key: string, hash: string, row: IdempotencyRow): StoredRecord[] | IdempotencyConflictError =>
    row.requestHash === hash ? core.store.getByIds(row.recordIds) : new IdempotencyConflictError(key)
  return {
    replay,
    live: (key) => unexpired(reader.read(() => core.store.getIdempotency(key)), core.now()),
    replayStored (key, hash, now) {
      const row = unexpired(core.store.getIdempotency(key), now)
      return row === undefined ? undefined : replay(key, hash, row)
    },
    remember (key, hash, records, now) {
      core.store.putIdempotency({ key, requestHash: hash, recordIds: records.map((r) => r.id), createdAt: now })
    },
    pruneIfDue (now) {
      if (now - lastPrune <= PRUNE_INTERVAL_MS) return
      core.store.pruneIdempotency(now - ttlMs)
      lastPrune = now
    }
  }
}
