/**
 * The one reconciliation algorithm of both transports (P2P catch-up and HTTP sync).
 *
 * A ledger's state is exactly its version vector {origin: highest contiguous seq}, so comparing two
 * vectors says, per origin, what each side lacks. The side that has records serves them with
 * `ledger.missingFor(theirVV, limit, maxBytes)` in bounded batches, advancing its copy of the other's
 * vector after each batch; the receiving side applies them with `ledger.ingest`.
 */
import type { LedgerRecord, VersionVector } from '../ledger/interface.js'
import { advance } from '../ledger/version-vector.js'

export interface BatchLimits {
  /** Records per batch. */
  limit: number
  /** Uncompressed bytes per batch (as the ledger counts them). */
  maxBytes: number
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { limit: 1000, maxBytes: 1024 * 1024 }

export interface RecordSource {
  missingFor: (theirs: VersionVector, limit: number, maxBytes?: number) => LedgerRecord[]
}

export interface ServedBatch {
  records: LedgerRecord[]
  /** More records remain for this peer after this batch. */
  more: boolean
  /** The server's version vector (on the first batch of a P2P catch-up answer). */
  version_vector?: VersionVector
}

/**
 * The batches with the server's version vector on the first one, and at least one batch (an empty one
 * when nothing is missing): the requester learns from it how many of its own records the server holds.
 */
export function * announced (batches: Iterable<ServedBatch>, vv: VersionVector): Generator<ServedBatch> {
  let first = true
  for (const b of batches) {
    yield first ? { ...b, version_vector: vv } : b
    first = false
  }
  if (first) yield { records: [], more: false, version_vector: vv }
}

/**
 * Yield the batches a peer with vector `theirs` needs, each bounded, until nothing is missing.
 * Synchronous per batch: the caller sends one before asking for the next, so memory stays bounded.
 */
export function * batchesFor (source: RecordSource, theirs: VersionVector, limits: BatchLimits): Generator<ServedBatch> {
  let vv = theirs
  for (;;) {
    const records = source.missingFor(vv, limits.limit, limits.maxBytes)
    if (records.length === 0) return
    vv = advance(vv, records)
    const more = source.missingFor(vv, 1).length > 0
    yield { records, more }
    if (!more) return
  }
}
