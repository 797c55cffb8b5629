/** The apply rules as pure logic: a Draft over a LedgerState, no SQLite. */
import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { Draft, LedgerState, type IngestTally, type PendingRecord } from './state.js'
import { EMPTY_ROOT } from './merkle.js'

const idOf = (s: string): string => createHash('sha256').update(s).digest('hex')

/** Records here are not signed: the Draft trusts its caller to have verified them. */
function rec (origin: string, seq: number, variant = ''): PendingRecord {
  const id = idOf(`${origin}/${seq}/${variant}`)
  return { record: { id, origin, seq, ts: seq, key: 'k', payload: variant, sig: 's' }, canonicalPayload: JSON.stringify(variant) }
}

const tally = (): IngestTally => ({ applied: [], duplicates: 0, buffered: 0, dropped: 0, rejected: [] })

function commit (state: LedgerState, items: PendingRecord[], maxBuffered = 100): IngestTally {
  const d = new Draft(state, maxBuffered, 0)
  const t = tally()
  d.ingest(items, t)
  d.prepareMerkle()
  d.publish()
  return t
}

describe('Draft over LedgerState', () => {
  it('changes nothing in the state until publish', () => {
    const state = new LedgerState()
    const d = new Draft(state, 100, 0)
    const t = tally()
    d.ingest([rec('a', 1), rec('a', 2), rec('a', 4)], t)
    expect(t.applied.map((r) => [r.seq, r.lsn])).toEqual([[1, 1], [2, 2]])
    expect(t.buffered).toBe(1)
    expect(d.head('a')).toBe(2)
    expect(state.head('a')).toBe(0)
    expect(state.bufferSize).toBe(0)
    expect(state.merkle.root()).toBe(EMPTY_ROOT)
    const root = d.prepareMerkle()
    expect(state.merkle.root()).toBe(EMPTY_ROOT)
    d.publish()
    expect(state.merkle.root()).toBe(root)
    expect(state.versionVector()).toEqual({ a: 2 })
    expect(state.bufferSize).toBe(1)
    expect(state.lastLsn).toBe(2)
  })

  it('drains the buffer when the gap closes, across drafts', () => {
    const state = new LedgerState()
    expect(commit(state, [rec('a', 3), rec('a', 2), rec('b', 2)]).buffered).toBe(3)
    const t = commit(state, [rec('a', 1), rec('b', 1)])
    expect(t.applied.map((r) => `${r.origin}${r.seq}`)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2'])
    expect(state.bufferSize).toBe(0)
    expect(commit(state, [rec('a', 2)]).duplicates).toBe(1)
  })

  it('drops what does not fit in the buffer', () => {
    const state = new LedgerState()
    const t = commit(state, [rec('a', 5), rec('a', 6), rec('a', 7)], 2)
    expect(t.buffered).toBe(2)
    expect(t.dropped).toBe(1)
    expect(state.bufferSize).toBe(2)
  })

  it('records an equivocation on an applied slot and keeps the applied record', () => {
    const state = new LedgerState()
    commit(state, [rec('a', 1, 'x')])
    const t = commit(state, [rec('a', 1, 'y')])
    expect(t.rejected).toEqual([{ id: rec('a', 1, 'y').record.id, origin: 'a', seq: 1, reason: 'equivocation' }])
    const e = state.equivocationAt('a', 1)
    expect(e?.appliedId).toBe(rec('a', 1, 'x').record.id)
    expect(e?.ids).toEqual([rec('a', 1, 'x').record.id, rec('a', 1, 'y').record.id].sort())
    expect(state.head('a')).toBe(1)
  })

  it('blocks an unapplied slot with two candidates, whatever their order', () => {
    for (const order of [['x', 'y'], ['y', 'x']]) {
      const state = new LedgerState()
      const t = commit(state, [rec('a', 1, order[0]), rec('a', 1, order[1]), rec('a', 2)])
      expect(t.applied).toEqual([])
      expect(state.head('a')).toBe(0)
      expect(state.equivocationAt('a', 1)?.appliedId).toBeNull()
      expect(commit(state, [rec('a', 1, 'x')]).applied).toEqual([])
    }
  })
})
