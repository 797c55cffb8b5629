/**
 * Version vectors: {origin: highest contiguous seq}. Each origin's records are applied in seq order
 * without gaps, so a vector describes a ledger's state exactly. The one module for them: sync
 * advances its copy of a peer's vector with it and puts its digest in heartbeats. Pure helpers.
 */
import { createHash } from 'node:crypto'
import type { LedgerRecord, VersionVector } from './interface.js'

/** The other side's vector once it has applied `records` (each origin's records are contiguous). */
export function advance (vv: VersionVector, records: Iterable<LedgerRecord>): VersionVector {
  const next: VersionVector = { ...vv }
  for (const r of records) {
    if ((next[r.origin] ?? 0) < r.seq) next[r.origin] = r.seq
  }
  return next
}

/**
 * Short digest of a vector for heartbeats: equal vectors give equal digests, and zero entries are
 * dropped so {} and {a: 0} agree. It is on the wire: changing its form makes nodes of two versions
 * see each other's records as always in flight.
 */
export function digest (vv: VersionVector): string {
  const h = createHash('sha256')
  for (const origin of Object.keys(vv).sort()) {
    if (vv[origin] > 0) h.update(`${origin}=${vv[origin]};`)
  }
  return h.digest('hex').slice(0, 32)
}
