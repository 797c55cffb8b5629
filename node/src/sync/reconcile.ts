/**
 * The one reconciliation algorithm of both transports (P2P catch-up and HTTP sync).
 *
 * A ledger's state is exactly its version vector {origin: highest contiguous seq}, so comparing two
 * vectors says, per origin, what each side lacks. The side that has records serves them with
 * `ledger.missingFor(theirVV, limit, maxBytes)` in bounded batches, advancing its copy of the other's
 * vector after each batch; the receiving side applies them with `ledger.ingest`.
 */
import { createHash } from 'node:crypto'
import type { LedgerRecord, VersionVector } from '../ledger/interface.js'

export interface OriginRange {
  origin: string
  /** First seq the lacking side needs. */
  from: number
  /** Last seq the other side has. */
  to: number
}

export interface ReconcilePlan {
  /** What I lack and the peer has. */
  pull: OriginRange[]
  /** What the peer lacks and I have. */
  push: OriginRange[]
  /** Records in pull / push (exact: seqs are contiguous). */
  pullCount: number
  pushCount: number
}

export function plan (mine: VersionVector, theirs: VersionVector): ReconcilePlan {
  const pull: OriginRange[] = []
  const push: OriginRange[] = []
  const origins = new Set([...Object.keys(mine), ...Object.keys(theirs)])
  for (const origin of [...origins].sort()) {
    const m = mine[origin] ?? 0
    const t = theirs[origin] ?? 0
    if (t > m) pull.push({ origin, from: m + 1, to: t })
    else if (m > t) push.push({ origin, from: t + 1, to: m })
  }
  return {
    pull,
    push,
    pullCount: pull.reduce((n, r) => n + r.to - r.from + 1, 0),
    pushCount: push.reduce((n, r) => n + r.to - r.from + 1, 0)
  }
}

/** The other side's vector once it has applied `records` (each origin's records are contiguous). */
export function advance (vv: VersionVector, records: Iterable<LedgerRecord>): VersionVector {
  const next: VersionVector = { ...vv }
  for (const r of records) {
    if ((next[r.origin] ?? 0) < r.seq) next[r.origin] = r.seq
  }
  return next
}

/** True when `a` has every record `b` has. */
export function dominates (a: VersionVector, b: VersionVector): boolean {
  return Object.entries(b).every(([origin, seq]) => (a[origin] ?? 0) >= seq)
}

/** Short digest of a version vector for heartbeats: equal vectors give equal digests. */
export function vvDigest (vv: VersionVector): string {
  const h = createHash('sha256')
  for (const origin of Object.keys(vv).sort()) {
    if (vv[origin] > 0) h.update(`${origin}=${vv[origin]};`)
  }
  return h.digest('hex').slice(0, 32)
}

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
