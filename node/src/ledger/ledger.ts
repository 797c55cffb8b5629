/**
 * The ledger: durable, signed, append-only records in SQLite, the version vector and Merkle tree in
 * memory. Writes (local appends and remote ingests) go through one group committer, so concurrent
 * callers share a transaction and an fsync; memory changes only after the commit succeeded.
 */
import { EventEmitter } from 'node:events'
import type { DatabaseSync } from 'node:sqlite'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Registry } from 'prom-client'
import type { Logger } from '../../../packages/log/src/index.js'
import {
  classifyStorageError,
  createGroupCommitter,
  createRecordStore,
  openDatabase,
  StorageCorruptError,
  type GroupCommitter,
  type GroupOutcome,
  type IdempotencyRow,
  type RecordStore
} from '../storage/index.js'
import { canonicalString } from '../../../packages/contracts/src/canonical-json.js'
import { IdempotencyConflictError, InvalidEntryError, LedgerClosedError } from './errors.js'
import type {
  AppendOptions,
  IngestResult,
  IntegrityReport,
  Ledger,
  LedgerEvents,
  LedgerRecord,
  ListOptions,
  NewEntry,
  RecordBody,
  RejectReason,
  StoredRecord,
  VersionVector
} from './interface.js'
import { buildReport, describeEquivocation, IntegrityWorkerError, scanInProcess, scanInWorker, type IntegrityScan, type RunningScan } from './integrity.js'
import { EMPTY_ROOT, MERKLE_BUCKETS } from './merkle.js'
import { createReadGuard, type ReadGuard } from './read-guard.js'
import { createLedgerMetrics, type LedgerMetrics } from './metrics.js'
import {
  checkEntry,
  checkRecord,
  recordId,
  createRecordSigner,
  isRecordId,
  DEFAULT_MAX_KEY_BYTES,
  DEFAULT_MAX_PAYLOAD_BYTES,
  sha256Hex,
  signRecord,
  verifySignatureAsync,
  type RecordLimits,
  type RecordSigner
} from './record.js'
import { Draft, LedgerState, type Equivocation, type IngestTally, type PendingRecord } from './state.js'

export interface LedgerInit {
  /** The SQLite file (created with its directory when missing). */
  dbPath: string
  maxKeyBytes?: number
  maxPayloadBytes?: number
  /** Out-of-order remote records kept in memory waiting for their gap to close (default 10,000). */
  maxBufferedRecords?: number
  /** Run a full integrityCheck in the background after opening (default true). */
  integrityCheckOnOpen?: boolean
  /** Records verified per chunk of the integrity check (default 2,000). */
  integrityChunkSize?: number
  /** Run the integrity check in a worker thread (default true); false runs it in-process, in chunks. */
  integrityInWorker?: boolean
  /** PRAGMA quick_check instead of the full integrity_check in the worker (default false; the in-process fallback always uses quick_check). */
  integrityQuickCheck?: boolean
  /** Records per transaction at most (default 5,000): bounds how long one group commit holds the event loop. */
  maxGroupRecords?: number
  /** How long an idempotency key is remembered (default 24 h, as payment APIs do); pruned as writes go. */
  idempotencyTtlMs?: number
}

export interface LedgerComponents {
  /** The node's libp2p Ed25519 key: its peer ID is the origin of local records. */
  privateKey: PrivateKey
  /** Whether a peer ID belongs to the network: records of other origins are rejected. */
  isMember: (origin: string) => boolean
  logger: Logger
  registry?: Registry
  clock?: () => number
}

const META_ROOT = 'merkle_root'
const META_COUNT = 'record_count'
/** How often a write also forgets expired idempotency keys. */
const PRUNE_INTERVAL_MS = 60_000

interface AppendOp {
  kind: 'append'
  entries: Array<{ key: string, canonicalPayload: string }>
  idempotencyKey?: string
  /** Hash of the canonical entries, only computed when an idempotency key is given. */
  requestHash: string
  /** Signed in prepare(), for the seqs this op will get if nothing else shifts them. */
  presigned?: LedgerRecord[]
}

interface IngestOp {
  kind: 'ingest'
  items: PendingRecord[]
}

type Op = AppendOp | IngestOp
type OpResult = StoredRecord[] | IngestTally

class SqliteLedger implements Ledger {
  readonly origin: string
  private readonly db: DatabaseSync
  private readonly store: RecordStore
  private readonly state = new LedgerState()
  private readonly committer: GroupCommitter<Op, OpResult>
  private readonly signer: RecordSigner
  private readonly limits: RecordLimits
  private readonly maxBuffered: number
  private readonly metrics: LedgerMetrics
  private readonly events = new EventEmitter()
  private readonly log: Logger
  private readonly clock: () => number
  private readonly isMember: (origin: string) => boolean
  private readonly chunkSize: number
  private report?: IntegrityReport
  /** Verifies rows read before an integrity check has covered them (set by load()). */
  private readGuard: ReadGuard
  private running?: Promise<IntegrityReport>
  private scan?: RunningScan
  private readonly dbPath: string
  private readonly useWorker: boolean
  private readonly quickCheck: boolean
  private readonly idempotencyTtlMs: number
  private lastPrune = 0
  private loadProblems: string[] = []
  private closing = false
  private closed = false
  /** Ingests between their start and their submission to the committer (signature checks in flight). */
  private readonly verifying = new Set<Promise<unknown>>()

  constructor (init: LedgerInit, components: LedgerComponents, db: DatabaseSync, origin: string) {
    this.db = db
    this.origin = origin
    this.store = createRecordStore(db)
    this.signer = createRecordSigner(components.privateKey, origin)
    this.limits = { maxKeyBytes: init.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES, maxPayloadBytes: init.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES }
    this.readGuard = createReadGuard({ dbPath: init.dbPath, lastLsnAtOpen: 0, limits: this.limits })
    this.maxBuffered = init.maxBufferedRecords ?? 10_000
    this.metrics = createLedgerMetrics(components.registry)
    this.log = components.logger.child({ component: 'ledger' })
    this.clock = components.clock ?? Date.now
    this.isMember = components.isMember
    this.chunkSize = init.integrityChunkSize ?? 2000
    this.dbPath = init.dbPath
    this.useWorker = init.integrityInWorker ?? true
    this.quickCheck = init.integrityQuickCheck ?? false
    this.idempotencyTtlMs = init.idempotencyTtlMs ?? 24 * 3600 * 1000
    this.events.setMaxListeners(0)
    this.committer = createGroupCommitter<Op, OpResult>({
      db,
      execute: (ops) => this.execute(ops),
      prepare: async (ops) => { await this.prepare(ops) },
      mapError: (err) => classifyStorageError(init.dbPath, err),
      weight: (op) => (op.kind === 'append' ? op.entries.length : op.items.length),
      maxGroupWeight: init.maxGroupRecords ?? 5000,
      onCommit: ({ ops, seconds }) => {
        this.metrics.commits.inc()
        this.metrics.writeLatency.observe(seconds)
        this.metrics.commitBatchSize.observe(ops)
      },
      onFailure: (err) => {
        this.metrics.storageErrors.inc()
        this.log.error('group commit failed: every write of the group was rejected', { err: (err as Error).message })
      }
    })
  }

  /** Cold start: rebuild the version vector and Merkle tree from (lsn, origin, seq, id) only. */
  load (): void {
    const started = performance.now()
    const ids: string[] = []
    const problems: string[] = []
    let lastLsn = 0
    for (const [lsn, origin, seq, id] of this.store.scanIndex()) {
      lastLsn = lsn
      // A row edited or damaged into nonsense must not crash the open: report it instead.
      if (!isRecordId(id) || typeof origin !== 'string' || !Number.isSafeInteger(seq) || seq < 1) {
        if (problems.length < 20) problems.push(`record lsn ${lsn} has a malformed id, origin or seq`)
        continue
      }
      this.state.loadId(origin, seq, id)
      ids.push(id)
    }
    this.state.lastLsn = lastLsn
    this.readGuard = createReadGuard({ dbPath: this.dbPath, lastLsnAtOpen: lastLsn, limits: this.limits })
    this.state.merkle.bulkLoad(ids)
    for (const e of this.store.listEquivocations()) this.state.loadEquivocation({ ...e })
    const root = this.state.merkle.root()
    const stored = this.store.getMeta(META_ROOT)
    for (const g of this.state.gaps()) problems.push(`records of ${g.origin} have a gap at seq ${g.seq}`)
    if (this.state.merkle.size !== this.state.count) problems.push(`${this.state.count - this.state.merkle.size} duplicate record ids`)
    if ((stored ?? EMPTY_ROOT) !== root) problems.push(`merkle root recomputed at open (${root}) differs from the stored root (${stored ?? 'none'})`)
    this.loadProblems = problems
    this.metrics.records.set(this.state.count)
    this.metrics.buffered.set(0)
    // What open could check (structure, Merkle root) passed or not; the full check refines it.
    this.metrics.integrityOk.set(problems.length === 0 && this.state.equivocations.size === 0 ? 1 : 0)
    if (problems.length > 0 || this.state.equivocations.size > 0) {
      // Publish what we know now; the full check (if enabled) refines it.
      this.setReport({
        status: 'unhealthy',
        sqlite_ok: true,
        merkle_ok: problems.length === 0,
        signatures_ok: true,
        record_count: this.state.count,
        merkle_root: root,
        checked_at: new Date(this.now()).toISOString(),
        duration_ms: 0,
        errors: [...problems, ...this.equivocationList().map(describeEquivocation)],
        equivocations: this.state.equivocations.size
      })
    }
    this.log.info('ledger opened', { records: this.state.count, origins: this.state.ids.size, merkle_root: root, ms: Math.round(performance.now() - started) })
  }

  // ---- writes ----

  async append (entries: NewEntry[], options: AppendOptions = {}): Promise<StoredRecord[]> {
    this.assertOpen()
    if (!Array.isArray(entries) || entries.length === 0) throw new InvalidEntryError('entries must be a non-empty array', 'entries')
    const checked: AppendOp['entries'] = []
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Partial<NewEntry> | null
      const c = checkEntry(e?.key, e?.payload, this.limits)
      if (!('canonicalPayload' in c)) {
        const opts = c.limit === undefined ? { index: i } : { index: i, limit: c.limit }
        throw new InvalidEntryError(`entry ${i}: ${c.message}`, c.field, opts)
      }
      checked.push({ key: e?.key as string, canonicalPayload: c.canonicalPayload })
    }
    const op: AppendOp = { kind: 'append', entries: checked, requestHash: '' }
    if (options.idempotencyKey !== undefined) {
      if (typeof options.idempotencyKey !== 'string' || options.idempotencyKey.length === 0 || options.idempotencyKey.length > 256) {
        throw new InvalidEntryError('idempotency key must be a string of 1..256 characters', 'idempotencyKey', { limit: 256 })
      }
      op.idempotencyKey = options.idempotencyKey
      op.requestHash = requestHash(checked)
      // Fast path for a retry of a committed request: no transaction at all.
      const prior = this.liveIdempotency(options.idempotencyKey)
      if (prior !== undefined) return this.replay(op, prior.requestHash, prior.recordIds)
    }
    return await this.committer.submit(op) as StoredRecord[]
  }

  /** A stored idempotency key that has not expired (expired ones may linger until the next prune). */
  private liveIdempotency (key: string): IdempotencyRow | undefined {
    const row = this.read(() => this.store.getIdempotency(key))
    return row !== undefined && row.createdAt >= this.now() - this.idempotencyTtlMs ? row : undefined
  }

  private replay (op: AppendOp, storedHash: string, ids: string[]): StoredRecord[] {
    if (storedHash !== op.requestHash) throw new IdempotencyConflictError(op.idempotencyKey ?? '')
    return this.store.getByIds(ids)
  }

  async ingest (records: LedgerRecord[]): Promise<IngestResult> {
    this.assertOpen()
    const work = this.verifyAndSubmit(records)
    this.verifying.add(work)
    try {
      return await work
    } finally {
      this.verifying.delete(work)
    }
  }

  private async verifyAndSubmit (records: LedgerRecord[]): Promise<IngestResult> {
    const result: IngestResult = { applied: [], duplicates: 0, buffered: 0, rejected: [] }
    const reject = (r: Partial<LedgerRecord> | null | undefined, reason: RejectReason): void => {
      const entry: IngestResult['rejected'][number] = { reason }
      if (typeof r?.id === 'string') entry.id = r.id
      if (typeof r?.origin === 'string') entry.origin = r.origin
      if (typeof r?.seq === 'number') entry.seq = r.seq
      result.rejected.push(entry)
    }
    const candidates: PendingRecord[] = []
    // Each signature check starts on the thread pool as soon as its record passed the cheap checks,
    // so the pool verifies while this loop canonicalises and hashes the next records.
    const checks: Array<Promise<boolean>> = []
    for (const r of Array.isArray(records) ? records : []) {
      const rec = r as Partial<LedgerRecord> | null
      // Cheap duplicate test first: gossip re-delivers a lot, and a known id needs no verification.
      if (typeof rec?.origin === 'string' && typeof rec.seq === 'number' && this.state.idAt(rec.origin, rec.seq) === rec.id) {
        result.duplicates++
        continue
      }
      const checked = checkRecord(r, this.limits)
      if (!('canonicalPayload' in checked)) {
        reject(rec, checked.reason)
        continue
      }
      if (r.origin !== this.origin && !this.memberSafe(r.origin)) {
        reject(r, 'unknown_origin')
        continue
      }
      // Keep only the fields that are signed: extra properties must not reach storage or events.
      const clean: LedgerRecord = { id: r.id, origin: r.origin, seq: r.seq, ts: r.ts, key: r.key, payload: r.payload, sig: r.sig }
      candidates.push({ record: clean, canonicalPayload: checked.canonicalPayload })
      checks.push(verifySignatureAsync(clean))
    }
    const ok = await Promise.all(checks)
    const verified: PendingRecord[] = []
    for (let i = 0; i < candidates.length; i++) {
      if (ok[i]) verified.push(candidates[i])
      else reject(candidates[i].record, 'bad_signature')
    }
    if (verified.length > 0) {
      if (this.closed) throw new LedgerClosedError()
      const tally = await this.committer.submit({ kind: 'ingest', items: verified }) as IngestTally
      result.applied = tally.applied
      result.duplicates += tally.duplicates
      result.buffered = tally.buffered
      result.rejected.push(...tally.rejected)
      if (tally.dropped > 0) {
        this.metrics.rejected.inc({ reason: 'buffer_full' }, tally.dropped)
        this.log.warn('out-of-order records dropped: the buffer is full', { dropped: tally.dropped, max: this.maxBuffered })
      }
    }
    for (const r of result.rejected) this.metrics.rejected.inc({ reason: r.reason })
    if (result.rejected.length > 0) {
      this.log.debug('remote records rejected', { count: result.rejected.length, first: result.rejected[0] })
    }
    return result
  }

  private memberSafe (origin: string): boolean {
    try {
      return this.isMember(origin)
    } catch (err) {
      this.log.warn('membership check threw: treating the origin as unknown', { origin, err: (err as Error).message })
      return false
    }
  }

  /** ts of a local record: the injected clock as a non-negative integer of ms. */
  private now (): number {
    const t = this.clock()
    return Number.isFinite(t) ? Math.max(0, Math.floor(t)) : Date.now()
  }

  private localBody (seq: number, e: AppendOp['entries'][number]): RecordBody {
    // The payload as stored (parsed back from its canonical text): detached from the caller's object.
    const payload = JSON.parse(e.canonicalPayload) as NewEntry['payload']
    return { origin: this.origin, seq, ts: this.now(), key: e.key, payload }
  }

  /**
   * Before the transaction, with the event loop free: give the group's new local records their seqs
   * and sign them in parallel on the thread pool. Only one group is in flight, so the head read here
   * is still the head when execute() runs.
   */
  private async prepare (ops: Op[]): Promise<void> {
    let head = this.state.head(this.origin)
    const keys = new Set<string>()
    const signing: Array<Promise<void>> = []
    for (const op of ops) {
      if (op.kind !== 'append') continue
      op.presigned = undefined
      const key = op.idempotencyKey
      if (key !== undefined) {
        // A repeated key in this group, or a stored one, writes nothing (replay or conflict).
        if (keys.has(key)) continue
        keys.add(key)
        if (this.liveIdempotency(key) !== undefined) continue
      }
      const records = op.entries.map((e) => {
        const body = this.localBody(++head, e)
        return { ...body, id: recordId(body, e.canonicalPayload), sig: '' }
      })
      signing.push(...records.map(async (r) => { r.sig = await this.signer.signAsync(r.id) }))
      op.presigned = records
    }
    await Promise.all(signing)
  }

  /** One group: runs inside BEGIN IMMEDIATE … COMMIT. Reads the state, writes only the draft. */
  private execute (ops: Op[]): GroupOutcome<OpResult> {
    const now = this.now()
    const draft = new Draft(this.state, this.maxBuffered, now)
    const idempotent = new Map<string, { hash: string, records: StoredRecord[] }>()
    const results: Array<OpResult | Error> = []
    for (const op of ops) {
      if (op.kind === 'ingest') {
        const tally: IngestTally = { applied: [], duplicates: 0, buffered: 0, dropped: 0, rejected: [] }
        draft.ingest(op.items, tally)
        results.push(tally)
        continue
      }
      const key = op.idempotencyKey
      if (key !== undefined) {
        const inGroup = idempotent.get(key)
        if (inGroup !== undefined) {
          results.push(inGroup.hash === op.requestHash ? inGroup.records : new IdempotencyConflictError(key))
          continue
        }
        const prior = this.store.getIdempotency(key)
        if (prior !== undefined && prior.createdAt >= now - this.idempotencyTtlMs) {
          results.push(prior.requestHash === op.requestHash ? this.store.getByIds(prior.recordIds) : new IdempotencyConflictError(key))
          continue
        }
      }
      const records: StoredRecord[] = []
      // Signed ahead in prepare() unless something (e.g. our own records coming back from a peer
      // after a data loss) moved our head in between: then sign here, synchronously.
      const presigned = op.presigned !== undefined && op.presigned[0]?.seq === draft.head(this.origin) + 1 ? op.presigned : undefined
      for (let i = 0; i < op.entries.length; i++) {
        const e = op.entries[i]
        const record = presigned?.[i] ?? signRecord(this.localBody(draft.head(this.origin) + 1, e), this.signer, e.canonicalPayload)
        records.push(draft.apply({ record, canonicalPayload: e.canonicalPayload }))
      }
      if (key !== undefined) {
        idempotent.set(key, { hash: op.requestHash, records })
        // An expired row for this key may still be there: replace it.
        this.store.putIdempotency({ key, requestHash: op.requestHash, recordIds: records.map((r) => r.id), createdAt: now })
      }
      results.push(records)
    }
    for (const { stored: r, canonicalPayload } of draft.records) {
      this.store.insert({ lsn: r.lsn, id: r.id, origin: r.origin, seq: r.seq, ts: r.ts, key: r.key, payload: canonicalPayload, sig: r.sig })
    }
    for (const [, e] of draft.equivocations) this.store.putEquivocation(e)
    if (now - this.lastPrune > PRUNE_INTERVAL_MS) {
      this.store.pruneIdempotency(now - this.idempotencyTtlMs)
      this.lastPrune = now
    }
    if (draft.records.length > 0) {
      this.store.setMeta(META_ROOT, draft.prepareMerkle())
      this.store.setMeta(META_COUNT, String(draft.newCount))
    }
    return {
      results,
      rollback: () => {},
      commit: () => {
        draft.publish()
        this.afterCommit(draft)
      }
    }
  }

  private afterCommit (draft: Draft): void {
    this.metrics.records.set(this.state.count)
    this.metrics.buffered.set(this.state.bufferSize)
    if (draft.records.length > 0) {
      this.metrics.writes.inc(draft.records.length)
      this.emit('applied', draft.records.map((r) => r.stored))
    }
    for (const [, e] of draft.equivocations) {
      this.metrics.equivocations.inc()
      this.log.warn('equivocation detected', { origin: e.origin, seq: e.seq, ids: e.ids, applied_id: e.appliedId })
      if (this.report !== undefined) {
        // The health report must show it at once, not at the next full check.
        const errors = this.report.errors.filter((x) => !x.startsWith(`equivocation by ${e.origin} at seq ${e.seq}:`))
        this.setReport({ ...this.report, status: 'unhealthy', errors: [...errors, describeEquivocation(e)], equivocations: this.state.equivocations.size })
      } else {
        this.setReport({
          status: 'unhealthy',
          sqlite_ok: true,
          merkle_ok: true,
          signatures_ok: true,
          record_count: this.state.count,
          merkle_root: this.state.merkle.root(),
          checked_at: new Date(this.now()).toISOString(),
          duration_ms: 0,
          errors: this.equivocationList().map(describeEquivocation),
          equivocations: this.state.equivocations.size
        })
      }
      this.emit('equivocation', { origin: e.origin, seq: e.seq, ids: [...e.ids] })
    }
  }

  private emit<E extends keyof LedgerEvents>(event: E, ...args: Parameters<LedgerEvents[E]>): void {
    try {
      this.events.emit(event, ...args)
    } catch (err) {
      // A listener's failure must not fail a write that is already durable.
      this.log.warn('ledger event listener threw', { event, err: (err as Error).message })
    }
  }

  // ---- reads ----

  get (id: string): StoredRecord | undefined {
    if (typeof id !== 'string' || id.length !== 64) return undefined
    return this.readGuard.check(this.read(() => this.store.getById(id)))
  }

  listByOrigin (origin: string, fromSeq: number, toSeq: number | undefined, limit: number): StoredRecord[] {
    const head = this.state.head(origin)
    const to = Math.min(toSeq ?? head, head)
    if (limit <= 0 || to < fromSeq) return []
    return this.readGuard.checkAll(this.read(() => this.store.listByOrigin(origin, Math.max(1, fromSeq), to, limit)))
  }

  list (options: ListOptions): StoredRecord[] {
    if (options.limit <= 0) return []
    return this.readGuard.checkAll(this.read(() => this.store.listAfter(options.after ?? 0, options.limit)))
  }

  latestByKey (key: string): StoredRecord | undefined {
    return this.readGuard.check(this.read(() => this.store.latestByKey(key)))
  }

  versionVector (): VersionVector {
    return this.state.versionVector()
  }

  merkleRoot (): string {
    return this.state.merkle.root()
  }

  /** Reads fail as named storage errors (a damaged page surfaces as StorageCorruptError), counted. */
  private read<T>(fn: () => T): T {
    if (this.closed) throw new LedgerClosedError()
    try {
      return fn()
    } catch (err) {
      this.metrics.storageErrors.inc()
      throw classifyStorageError(this.dbPath, err)
    }
  }

  merkleLevel (level: number): string[] {
    return this.state.merkle.levelHashes(level)
  }

  merkleBucket (bucket: number): readonly string[] {
    if (!Number.isInteger(bucket) || bucket < 0 || bucket >= MERKLE_BUCKETS) throw new RangeError(`merkle bucket must be 0..${MERKLE_BUCKETS - 1}`)
    return this.state.merkle.bucketIds(bucket).slice()
  }

  recordCount (): number {
    return this.state.count
  }

  lastLsn (): number {
    return this.state.lastLsn
  }

  bufferedCount (): number {
    return this.state.bufferSize
  }

  missingFor (theirs: VersionVector, limit: number, maxBytes?: number): LedgerRecord[] {
    const out: LedgerRecord[] = []
    let bytes = 0
    if (limit <= 0) return out
    const origins = [...this.state.ids.keys()].sort()
    for (const origin of origins) {
      const ours = this.state.head(origin)
      const have = typeof theirs?.[origin] === 'number' && Object.hasOwn(theirs, origin) ? Math.max(0, Math.floor(theirs[origin])) : 0
      if (ours <= have) continue
      let from = have + 1
      while (from <= ours && out.length < limit) {
        const rows = this.readGuard.checkAll(this.read(() => this.store.listByOrigin(origin, from, ours, Math.min(limit - out.length, 500))))
        if (rows.length === 0) break
        for (const s of rows) {
          const r: LedgerRecord = { id: s.id, origin: s.origin, seq: s.seq, ts: s.ts, key: s.key, payload: s.payload, sig: s.sig }
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

  // ---- integrity ----

  async integrityCheck (): Promise<IntegrityReport> {
    this.assertOpen()
    if (this.running !== undefined) return await this.running
    const run = this.runIntegrityCheck().finally(() => { this.running = undefined })
    this.running = run
    return await run
  }

  private async runIntegrityCheck (): Promise<IntegrityReport> {
    const started = performance.now()
    // Taken synchronously: the stored root describes exactly the rows up to lastLsn.
    const snapshot = { lastLsn: this.state.lastLsn, storedRoot: this.store.getMeta(META_ROOT), storedCount: optionalNumber(this.store.getMeta(META_COUNT)) }
    const options = { chunkSize: this.chunkSize, quick: this.quickCheck }
    let scan: IntegrityScan
    try {
      if (!this.useWorker) throw new IntegrityWorkerError('worker disabled')
      this.scan = scanInWorker({ dbPath: this.dbPath, snapshot, ...options })
      scan = await this.scan.result
    } catch (err) {
      if (this.closing) throw new LedgerClosedError()
      if (!(err instanceof IntegrityWorkerError)) throw err
      if (this.useWorker) this.log.warn('integrity worker unavailable, checking in-process', { err: err.message })
      this.scan = scanInProcess(this.store, snapshot, { chunkSize: this.chunkSize })
      scan = await this.scan.result
    } finally {
      this.scan = undefined
    }
    if (this.closing) throw new LedgerClosedError()
    const report = buildReport(scan, {
      equivocations: this.equivocationList(),
      knownProblems: this.loadProblems.filter((p) => !p.startsWith('merkle root recomputed at open')),
      checkedAt: this.now(),
      durationMs: performance.now() - started
    })
    this.setReport(report)
    if (report.status === 'healthy') this.readGuard.verifiedUpTo(snapshot.lastLsn)
    if (report.status === 'unhealthy') this.log.warn('ledger integrity check failed', { errors: report.errors.slice(0, 5) })
    return report
  }

  lastIntegrity (): IntegrityReport | undefined {
    return this.report
  }

  private setReport (report: IntegrityReport): void {
    this.report = report
    this.metrics.integrityOk.set(report.status === 'healthy' ? 1 : 0)
  }

  private equivocationList (): Equivocation[] {
    return [...this.state.equivocations.values()]
  }

  // ---- lifecycle ----

  on<E extends keyof LedgerEvents>(event: E, listener: LedgerEvents[E]): void {
    this.events.on(event, listener)
  }

  off<E extends keyof LedgerEvents>(event: E, listener: LedgerEvents[E]): void {
    this.events.off(event, listener)
  }

  private assertOpen (): void {
    if (this.closing || this.closed) throw new LedgerClosedError()
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closing = true
    // Ingests still verifying will submit; let them, then flush the last group.
    await Promise.allSettled([...this.verifying])
    await this.committer.drain()
    this.scan?.abort()
    if (this.running !== undefined) await this.running.catch(() => undefined)
    this.closed = true
    try {
      this.db.close()
    } catch (err) {
      this.log.warn('closing the database failed', { err: (err as Error).message })
    }
    this.events.removeAllListeners()
  }
}

function optionalNumber (s: string | undefined): number | undefined {
  return s === undefined ? undefined : Number(s)
}

/** What a client retrying with an idempotency key must send again: the canonical entries. */
function requestHash (entries: AppendOp['entries']): string {
  return sha256Hex('[' + entries.map((e) => `{"key":${canonicalString(e.key)},"payload":${e.canonicalPayload}}`).join(',') + ']')
}

/** Size of a record as JSON on the wire, the measure of missingFor's maxBytes. */
export function recordWireBytes (r: LedgerRecord): number {
  return Buffer.byteLength(JSON.stringify(r), 'utf8')
}

export async function createLedger (init: LedgerInit, components: LedgerComponents): Promise<Ledger> {
  const origin = peerIdFromPrivateKey(components.privateKey).toString()
  // Validates the key type before touching the disk.
  createRecordSigner(components.privateKey, origin)
  const db = openDatabase({ path: init.dbPath })
  let ledger: SqliteLedger
  try {
    ledger = new SqliteLedger(init, components, db, origin)
    ledger.load()
  } catch (err) {
    try {
      db.close()
    } catch {}
    const mapped = classifyStorageError(init.dbPath, err)
    // A load that trips over damaged pages is corruption whatever SQLite's code says about it.
    if (!(mapped instanceof StorageCorruptError) && /malformed|corrupt/i.test(mapped.message)) {
      throw new StorageCorruptError(init.dbPath, mapped.message, { cause: err })
    }
    throw mapped
  }
  if (init.integrityCheckOnOpen !== false) {
    // In the background: opening must not wait for a full signature scan.
    setImmediate(() => {
      ledger.integrityCheck().catch((err: unknown) => {
        if (!(err instanceof LedgerClosedError)) components.logger.error('integrity check failed to run', { err: (err as Error).message })
      })
    })
  }
  return ledger
}
