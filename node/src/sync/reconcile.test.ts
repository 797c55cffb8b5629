import { describe, expect, it } from '@jest/globals'
import { announced, batchesFor, type RecordSource } from './reconcile.js'
import type { LedgerRecord, VersionVector } from '../ledger/interface.js'

function rec (origin: string, seq: number, size = 10): LedgerRecord {
  return { origin, seq, ts: seq, key: `k${seq}`, payload: 'x'.repeat(size), id: `${origin}-${seq}`, sig: 's' }
}

/** A record source over plain arrays with the ledger's missingFor contract (per origin, seq order). */
function source (records: LedgerRecord[]): RecordSource {
  return {
    missingFor (theirs: VersionVector, limit: number, maxBytes?: number) {
      const out: LedgerRecord[] = []
      let bytes = 0
      for (const r of [...records].sort((a, b) => a.origin.localeCompare(b.origin) || a.seq - b.seq)) {
        if (r.seq <= (theirs[r.origin] ?? 0)) continue
        const size = JSON.stringify(r).length
        if (out.length >= limit || (maxBytes !== undefined && out.length > 0 && bytes + size > maxBytes)) break
        out.push(r)
        bytes += size
      }
      return out
    }
  }
}

describe('reconcile', () => {
  it('serves every missing record once, in bounded batches, and flags the last', () => {
    const all = [...Array.from({ length: 25 }, (_, i) => rec('a', i + 1)), ...Array.from({ length: 7 }, (_, i) => rec('b', i + 1))]
    const batches = [...batchesFor(source(all), { a: 3 }, { limit: 10, maxBytes: 1_000_000 })]
    expect(batches.map(b => b.records.length)).toEqual([10, 10, 9])
    expect(batches.flatMap(b => b.records).map(r => r.id)).toEqual(all.filter(r => !(r.origin === 'a' && r.seq <= 3)).map(r => r.id))
    expect(batches.map(b => b.more)).toEqual([true, true, false])
    const small = [...batchesFor(source(all), {}, { limit: 1000, maxBytes: 300 })]
    expect(small.every(b => b.records.length <= 3)).toBe(true)
    expect(small.flatMap(b => b.records)).toHaveLength(32)
    expect([...batchesFor(source(all), { a: 25, b: 7 }, { limit: 10, maxBytes: 1000 })]).toEqual([])
  })

  it('announces the server\'s vector on the first batch, and sends one empty batch when nothing is missing', () => {
    const vv = { a: 3 }
    expect([...announced([], vv)]).toEqual([{ records: [], more: false, version_vector: vv }])
    const out = [...announced([{ records: [], more: true }, { records: [], more: false }], vv)]
    expect(out.map(b => b.version_vector)).toEqual([vv, undefined])
  })
})
