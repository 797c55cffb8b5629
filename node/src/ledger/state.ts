/**
 * The ledger's in-memory state and the draft a group commit builds over it.
 *
 * The state is what is durably committed: per origin the ids by seq (the version vector is their
 * lengths), the Merkle tree, the out-of-order buffer, the known equivocations. A group commit works
 * on a Draft layered over the state; the state changes only through Draft.publish(), called after
 * the transaction committed. Pure: no I/O, no clock.
 */
import type { LedgerRecord, RejectReason, StoredRecord, VersionVector } from './interface.js'
import { createMerkleTree, type MerkleTreeWithBulk, type PreparedMerkleUpdate } from './merkle.js'

/** A verified remote record (or a signed local one) with its payload already in canonical JSON. */
export interface PendingRecord {
  record: LedgerRecord
  canonicalPayload: string
}

export interface DraftRecord {
  stored: StoredRecord
  canonicalPayload: string
}

export interface Equivocation {
  origin: string
  seq: number
  /** Every distinct id seen for this (origin, seq). */
  ids: string[]
  /** The id this node had already applied there, null when it applied none. */
  appliedId: string | null
  detectedAt: number
}

const slotKey = (origin: string, seq: number): string => `${origin}\u0000${seq}`

export class LedgerState {
  /** origin → ids, index seq - 1. */
  readonly ids = new Map<string, string[]>()
  readonly merkle: MerkleTreeWithBulk = createMerkleTree()
  /** origin → seq → record waiting for an earlier seq. */
  readonly buffer = new Map<string, Map<number, PendingRecord>>()
  bufferSize = 0
  /** (origin, seq) → equivocation, applied or not. */
  readonly equivocations = new Map<string, Equivocation>()
  lastLsn = 0
  count = 0

  head (origin: string): number {
    return this.ids.get(origin)?.length ?? 0
  }

  idAt (origin: string, seq: number): string | undefined {
    return this.ids.get(origin)?.[seq - 1]
  }

  versionVector (): VersionVector {
    const vv: VersionVector = {}
    for (const [origin, ids] of this.ids) if (ids.length > 0) vv[origin] = ids.length
    return vv
  }

  equivocationAt (origin: string, seq: number): Equivocation | undefined {
    return this.equivocations.get(slotKey(origin, seq))
  }

  /** Used while loading: the row order is lsn order, not seq order, so place by seq. */
  loadId (origin: string, seq: number, id: string): void {
    let arr = this.ids.get(origin)
    if (arr === undefined) {
      arr = []
      this.ids.set(origin, arr)
    }
    arr[seq - 1] = id
    this.count++
  }

  loadEquivocation (e: Equivocation): void {
    this.equivocations.set(slotKey(e.origin, e.seq), e)
  }

  /** Origins whose seqs have holes after loading (a damaged database), with the first missing seq. */
  gaps (): Array<{ origin: string, seq: number }> {
    const out: Array<{ origin: string, seq: number }> = []
    for (const [origin, ids] of this.ids) {
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === undefined) {
          out.push({ origin, seq: i + 1 })
          break
        }
      }
    }
    return out
  }
}

export interface IngestTally {
  applied: StoredRecord[]
  duplicates: number
  buffered: number
  /** Dropped because the buffer was full (re-fetchable later). */
  dropped: number
  rejected: Array<{ id?: string, origin?: string, seq?: number, reason: RejectReason }>
}

/** One group commit's changes, readable as if applied. */
export class Draft {
  private readonly added = new Map<string, string[]>()
  readonly records: DraftRecord[] = []
  private readonly bufferPut = new Map<string, PendingRecord>()
  private readonly bufferTaken = new Set<string>()
  private bufferDelta = 0
  /** Equivocations new or grown in this group (rows to write, events to emit). */
  readonly equivocations = new Map<string, Equivocation>()
  private lsn: number
  private merkleUpdate?: PreparedMerkleUpdate

  constructor (private readonly state: LedgerState, private readonly maxBuffered: number, private readonly now: number) {
    this.lsn = state.lastLsn
  }

  head (origin: string): number {
    return this.state.head(origin) + (this.added.get(origin)?.length ?? 0)
  }

  idAt (origin: string, seq: number): string | undefined {
    const committed = this.state.head(origin)
    if (seq <= committed) return this.state.idAt(origin, seq)
    return this.added.get(origin)?.[seq - committed - 1]
  }

  get lastLsn (): number {
    return this.lsn
  }

  private equivocationAt (origin: string, seq: number): Equivocation | undefined {
    const k = slotKey(origin, seq)
    return this.equivocations.get(k) ?? this.state.equivocations.get(k)
  }

  private bufferGet (origin: string, seq: number): PendingRecord | undefined {
    const k = slotKey(origin, seq)
    const put = this.bufferPut.get(k)
    if (put !== undefined) return put
    if (this.bufferTaken.has(k)) return undefined
    return this.state.buffer.get(origin)?.get(seq)
  }

  private bufferTake (origin: string, seq: number): void {
    const k = slotKey(origin, seq)
    if (this.bufferPut.delete(k)) {
      this.bufferDelta--
      return
    }
    if (this.state.buffer.get(origin)?.has(seq) === true && !this.bufferTaken.has(k)) {
      this.bufferTaken.add(k)
      this.bufferDelta--
    }
  }

  private bufferAdd (p: PendingRecord): boolean {
    if (this.state.bufferSize + this.bufferDelta >= this.maxBuffered) return false
    this.bufferPut.set(slotKey(p.record.origin, p.record.seq), p)
    this.bufferDelta++
    return true
  }

  /** Apply one record as the next of its origin (the caller checked it is). */
  apply (p: PendingRecord): StoredRecord {
    const r = p.record
    let arr = this.added.get(r.origin)
    if (arr === undefined) {
      arr = []
      this.added.set(r.origin, arr)
    }
    arr.push(r.id)
    const stored: StoredRecord = { lsn: ++this.lsn, id: r.id, origin: r.origin, seq: r.seq, ts: r.ts, key: r.key, payload: r.payload, sig: r.sig }
    this.records.push({ stored, canonicalPayload: p.canonicalPayload })
    return stored
  }

  /**
   * Note an equivocation at (origin, seq) with the given ids. Returns true when it taught us
   * something new (a new slot or a new id), i.e. when it deserves an event and a metric.
   */
  private equivocate (origin: string, seq: number, ids: string[], appliedId: string | null): boolean {
    const known = this.equivocationAt(origin, seq)
    const all = new Set(known?.ids ?? [])
    const before = all.size
    for (const id of ids) all.add(id)
    if (known !== undefined && all.size === before) return false
    this.equivocations.set(slotKey(origin, seq), {
      origin,
      seq,
      ids: [...all].sort(),
      appliedId: known?.appliedId ?? appliedId,
      detectedAt: known?.detectedAt ?? this.now
    })
    // An unapplied slot with two candidates keeps neither: drop the buffered one.
    if (appliedId === null) this.bufferTake(origin, seq)
    return true
  }

  /**
   * Remote records, already verified (id, signature, membership): apply the next seqs, buffer the
   * later ones, ignore duplicates, detect equivocations.
   */
  ingest (items: PendingRecord[], tally: IngestTally): void {
    // Two different records for one unapplied slot in the same batch: keep neither, whatever the order.
    const candidates = new Map<string, Set<string>>()
    for (const { record: r } of items) {
      if (r.seq <= this.head(r.origin)) continue
      const k = slotKey(r.origin, r.seq)
      let ids = candidates.get(k)
      if (ids === undefined) {
        ids = new Set()
        candidates.set(k, ids)
      }
      ids.add(r.id)
    }
    for (const [, ids] of candidates) {
      if (ids.size < 2) continue
      const first = items.find((p) => ids.has(p.record.id))
      if (first !== undefined) this.equivocate(first.record.origin, first.record.seq, [...ids], null)
    }

    for (const p of items) {
      const r = p.record
      const reject = (): void => { tally.rejected.push({ id: r.id, origin: r.origin, seq: r.seq, reason: 'equivocation' }) }
      const head = this.head(r.origin)
      const known = this.equivocationAt(r.origin, r.seq)
      if (r.seq <= head) {
        const existing = this.idAt(r.origin, r.seq)
        if (existing === r.id) {
          tally.duplicates++
        } else {
          this.equivocate(r.origin, r.seq, [existing ?? '', r.id].filter((x) => x !== ''), existing ?? null)
          reject()
        }
        continue
      }
      if (known !== undefined) {
        // An unapplied slot already known to be equivocated: nothing for it is ever applied.
        this.equivocate(r.origin, r.seq, [r.id], null)
        reject()
        continue
      }
      const waiting = this.bufferGet(r.origin, r.seq)
      if (waiting !== undefined && waiting.record.id !== r.id) {
        this.equivocate(r.origin, r.seq, [waiting.record.id, r.id], null)
        reject()
        continue
      }
      if (r.seq === head + 1) {
        if (waiting !== undefined) this.bufferTake(r.origin, r.seq)
        tally.applied.push(this.apply(p))
        this.drain(r.origin, tally)
        continue
      }
      if (waiting !== undefined) {
        tally.buffered++
        continue
      }
      if (this.bufferAdd(p)) tally.buffered++
      else tally.dropped++
    }
  }

  /** Apply buffered records of an origin that became next. */
  private drain (origin: string, tally: IngestTally): void {
    for (;;) {
      const seq = this.head(origin) + 1
      const next = this.bufferGet(origin, seq)
      if (next === undefined) return
      this.bufferTake(origin, seq)
      tally.applied.push(this.apply(next))
    }
  }

  /** Merkle root with this group's records: computed before COMMIT so it is stored with them. */
  prepareMerkle (): string {
    this.merkleUpdate = this.state.merkle.prepareInsert(this.records.map((r) => r.stored.id))
    return this.merkleUpdate.root
  }

  get newCount (): number {
    return this.state.count + this.records.length
  }

  /** After COMMIT: make the state what the draft describes. */
  publish (): void {
    for (const [origin, ids] of this.added) {
      const arr = this.state.ids.get(origin)
      if (arr === undefined) this.state.ids.set(origin, ids)
      else for (const id of ids) arr.push(id)
    }
    if (this.merkleUpdate !== undefined) this.merkleUpdate.apply()
    else for (const r of this.records) this.state.merkle.insert(r.stored.id)
    for (const k of this.bufferTaken) {
      const [origin, seq] = k.split('\u0000')
      const m = this.state.buffer.get(origin)
      m?.delete(Number(seq))
      if (m?.size === 0) this.state.buffer.delete(origin)
    }
    for (const [, p] of this.bufferPut) {
      let m = this.state.buffer.get(p.record.origin)
      if (m === undefined) {
        m = new Map()
        this.state.buffer.set(p.record.origin, m)
      }
      m.set(p.record.seq, p)
    }
    this.state.bufferSize += this.bufferDelta
    for (const [k, e] of this.equivocations) this.state.equivocations.set(k, e)
    this.state.lastLsn = this.lsn
    this.state.count += this.records.length
  }
}
