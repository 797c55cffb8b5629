/**
 * missingFor: the one sync algorithm of the P2P and HTTP paths. Version vectors describe a ledger's
 * state exactly, so what a peer lacks is, per origin, the seqs above its entry: served in origin order,
 * bounded by a record count and a byte budget so a batch stays small whatever the gap.
 */
import type { LedgerCore } from './core.js'
import type { LedgerRecord, VersionVector } from './interface.js'
import type { LedgerReader } from './reads.js'
import { toWireRecord } from '../../../packages/contracts/src/record.js'

/** Rows fetched per store query: bounds memory for a huge gap without one query per record. */
const PAGE = 500

/** Size of a record as JSON on the wire, the measure of missingFor's maxBytes. */
export function recordWireBytes (r: LedgerRecord): number {
  return Buffer.byteLength(JSON.stringify(r), 'utf8')
}

export function missingFor (core: LedgerCore, reader: LedgerReader, theirs: VersionVector, limit: number, maxBytes?: number): LedgerRecord[] {
  const out: LedgerRecord[] = []
  let bytes = 0
  if (limit <= 0) return out
  const origins = [...core.state.ids.keys()].sort()
  for (const origin of origins) {
    const ours = core.state.head(origin)
    // A peer's vector is untrusted input: only its own numeric entries count.
    const have = typeof theirs?.[origin] === 'number' && Object.hasOwn(theirs, origin) ? Math.max(0, Math.floor(theirs[origin])) : 0
    if (ours <= have) continue
    let from = have + 1
    while (from <= ours && out.length < limit) {
      const rows = reader.originRange(origin, from, ours, Math.min(limit - out.length, PAGE))
      if (rows.length === 0) break
      for (const s of rows) {
        const r = toWireRecord(s)
        if (maxBytes !== undefined) {
          const size = recordWireBytes(r)
          // Always send at least one record, or a record larger than maxBytes would never sync.
          if (out.length > 0 && bytes + size > maxBytes) return out
          bytes += size
        }
        out.push(r)
        if (out.length >= limit) return out
      }
      from = rows[rows.length - 1].seq + 1
    }
  }
  return out
}
