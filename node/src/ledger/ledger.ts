/**
 * The ledger: durable, signed, append-only records in SQLite, the version vector and Merkle tree in
 * memory. This file is the facade: it validates calls, wires the parts together and owns events and
 * the lifecycle. The parts: cold-start.ts (open), write-path.ts + presign.ts (group commits),
 * ingest-checks.ts (remote records), idempotency.ts, reads.ts, missing-for.ts, integrity-runner.ts.
 */
import { EventEmitter } from 'node:events'
import type { DatabaseSync } from 'node:sqlite'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { classifyStorageError, openDatabase, StorageCorruptError } from '../storage/index.js'
import { createBatchSigner, type BatchSigner } from './batch-signer.js'
import { coldStart } from './cold-start.js'
import { createLedgerCore, type LedgerCore } from './core.js'
import { InvalidEntryError, LedgerClosedError } from './errors.js'
import { checkIdempotencyKey, createIdempotencyIndex, DEFAULT_IDEMPOTENCY_TTL_MS, requestHash, type CheckedEntry, type IdempotencyIndex } from './idempotency.js'
import { screenRemoteRecords } from './ingest-checks.js'
import type { LedgerComponents, LedgerInit } from './init.js'
import { createIntegrityRunner, type IntegrityRunner } from './integrity-runner.js'
import type { AppendOptions, IngestResult, IntegrityCheckOptions, IntegrityReport, Ledger, LedgerEvents, LedgerRecord, ListOptions, NewEntry, StoredRecord, VersionVector } from './interface.js'
import { missingFor } from './missing-for.js'
import { createReadGuard } from './read-guard.js'
import { createLedgerReader, type LedgerReader } from './reads.js'
import { checkEntry, createRecordSigner } from './record.js'
import type { Draft } from './state.js'
import { createRecordVerifier, type RecordVerifier } from './verifier.js'
import { createWritePath, type AppendOp, type WritePath } from './write-path.js'
import { traceRecords } from '../util/record-trace.js'

export type { LedgerInit, LedgerComponents } from './init.js'
export { recordWireBytes } from './missing-for.js'

const DEFAULT_MAX_BUFFERED = 10_000
const DEFAULT_MAX_GROUP_RECORDS = 5000
const DEFAULT_INTEGRITY_CHUNK = 2000

class SqliteLedger implements Ledger {
  readonly origin: string
  private readonly events = new EventEmitter()
  private readonly reader: LedgerReader
  private readonly idempotency: IdempotencyIndex
  private readonly writes: WritePath
  /** Signs new local records, a group at a time, on a worker thread. */
  private readonly batchSigner: BatchSigner
  private readonly integrity: IntegrityRunner
  /** Ingests between their start and their submission to the write path (signature checks in flight). */
  private readonly verifying = new Set<Promise<unknown>>()
  private readonly isMember: (origin: string) => boolean
  /** Remote records' checks (shape, id, signature) on worker threads: every ingest goes through it. */
  private readonly recordVerifier: RecordVerifier
  private readonly maxBuffered: number

  constructor (private readonly core: LedgerCore, private readonly db: DatabaseSync, init: LedgerInit, components: LedgerComponents) {
    this.origin = core.origin
    this.isMember = components.isMember
    this.maxBuffered = init.maxBufferedRecords ?? DEFAULT_MAX_BUFFERED
    this.recordVerifier = createRecordVerifier({ limits: core.limits, ...(init.verifyThreads !== undefined ? { threads: init.verifyThreads } : {}) }, { logger: core.log })
    this.events.setMaxListeners(0)
    const { lastLsn, problems } = coldStart(core)
    const guard = createReadGuard({ dbPath: core.dbPath, lastLsnAtOpen: lastLsn, limits: core.limits })
    this.reader = createLedgerReader(core, guard)
    this.idempotency = createIdempotencyIndex(core, this.reader, init.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS)
    this.integrity = createIntegrityRunner({
      chunkSize: init.integrityChunkSize ?? DEFAULT_INTEGRITY_CHUNK,
      inWorker: init.integrityInWorker ?? true,
      quickCheck: init.integrityQuickCheck ?? false
    }, core, guard)
    this.integrity.opened(problems)
    const signer = createRecordSigner(components.privateKey, core.origin)
    this.batchSigner = createBatchSigner({ worker: init.signInWorker ?? true }, { privateKey: components.privateKey, signer, logger: core.log })
    this.writes = createWritePath({ maxBuffered: this.maxBuffered, maxGroupRecords: init.maxGroupRecords ?? DEFAULT_MAX_GROUP_RECORDS }, {
      db,
      core,
      signer,
      batchSigner: this.batchSigner,
      idempotency: this.idempotency,
      onCommitted: (draft) => { this.afterCommit(draft) }
    })
  }

  async append (entries: NewEntry[], options: AppendOptions = {}): Promise<StoredRecord[]> {
    this.assertOpen()
    if (!Array.isArray(entries) || entries.length === 0) throw new InvalidEntryError('entries must be a non-empty array', 'entries')
    const checked: CheckedEntry[] = []
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Partial<NewEntry> | null
      const c = checkEntry(e?.key, e?.payload, this.core.limits)
      if (!('canonicalPayload' in c)) {
        const opts = c.limit === undefined ? { index: i } : { index: i, limit: c.limit }
        throw new InvalidEntryError(`entry ${i}: ${c.message}`, c.field, opts)
      }
      checked.push({ key: e?.key as string, canonicalPayload: c.canonicalPayload })
    }
    const op: AppendOp = { kind: 'append', entries: checked, requestHash: '' }
    if (options.idempotencyKey !== undefined) {
      const key = checkIdempotencyKey(options.idempotencyKey)
      op.idempotencyKey = key
      op.requestHash = requestHash(checked)
      // Fast path for a retry of a committed request: no transaction at all.
      const prior = this.idempotency.live(key)
      if (prior !== undefined) {
        const replayed = this.idempotency.replay(key, op.requestHash, prior)
        if (replayed instanceof Error) throw replayed
        return replayed
      }
    }
    return await this.writes.append(op)
  }

  async ingest (records: LedgerRecord[]): Promise<IngestResult> {
    this.assertOpen()
    const work = this.screenAndSubmit(records)
    this.verifying.add(work)
    try {
      return await work
    } finally {
      this.verifying.delete(work)
    }
  }

  private async screenAndSubmit (records: LedgerRecord[]): Promise<IngestResult> {
    const started = performance.now()
    const { verified, result } = await screenRemoteRecords(this.core, this.recordVerifier, this.isMember, records)
    const screened = performance.now()
    traceRecords('verified', verified, v => v.record.id)
    result.timing = { verifyMs: screened - started, commitMs: 0 }
    if (verified.length > 0) {
      if (this.core.lifecycle.closed) throw new LedgerClosedError()
      const tally = await this.writes.ingest(verified)
      result.applied = tally.applied
      result.duplicates += tally.duplicates
      result.buffered = tally.buffered
      result.rejected.push(...tally.rejected)
      result.timing.commitMs = performance.now() - screened
      if (tally.dropped > 0) {
        this.core.metrics.rejected.inc({ reason: 'buffer_full' }, tally.dropped)
        this.core.log.warn('out-of-order records dropped: the buffer is full', { dropped: tally.dropped, max: this.maxBuffered })
      }
    }
    for (const r of result.rejected) this.core.metrics.rejected.inc({ reason: r.reason })
    if (result.rejected.length > 0) this.core.log.debug('remote records rejected', { count: result.rejected.length, first: result.rejected[0] })
    return result
  }

  private afterCommit (draft: Draft): void {
    const { metrics, log, state } = this.core
    metrics.records.set(state.count)
    metrics.buffered.set(state.bufferSize)
    if (draft.records.length > 0) {
      metrics.writes.inc(draft.records.length)
      const applied = draft.records.map((r) => r.stored)
      traceRecords('committed', applied)
      this.emit('applied', applied)
    }
    if (draft.equivocations.size === 0) return
    // The health report must show them at once, not at the next full check.
    this.integrity.equivocationsChanged()
    for (const [, e] of draft.equivocations) {
      metrics.equivocations.inc()
      log.warn('equivocation detected', { origin: e.origin, seq: e.seq, ids: e.ids, applied_id: e.appliedId })
      this.emit('equivocation', { origin: e.origin, seq: e.seq, ids: [...e.ids] })
    }
  }

  private emit<E extends keyof LedgerEvents>(event: E, ...args: Parameters<LedgerEvents[E]>): void {
    try {
      this.events.emit(event, ...args)
    } catch (err) {
      // A listener's failure must not fail a write that is already durable.
      this.core.log.warn('ledger event listener threw', { event, err: (err as Error).message })
    }
  }

  get (id: string): StoredRecord | undefined { return this.reader.get(id) }
  listByOrigin (origin: string, fromSeq: number, toSeq: number | undefined, limit: number): StoredRecord[] { return this.reader.listByOrigin(origin, fromSeq, toSeq, limit) }
  list (options: ListOptions): StoredRecord[] { return this.reader.list(options) }
  latestByKey (key: string): StoredRecord | undefined { return this.reader.latestByKey(key) }
  versionVector (): VersionVector { return this.core.state.versionVector() }
  merkleRoot (): string { return this.core.state.merkle.root() }
  recordCount (): number { return this.core.state.count }
  lastLsn (): number { return this.core.state.lastLsn }
  bufferedCount (): number { return this.core.state.bufferSize }

  missingFor (theirs: VersionVector, limit: number, maxBytes?: number): LedgerRecord[] {
    return missingFor(this.core, this.reader, theirs, limit, maxBytes)
  }

  async integrityCheck (options?: IntegrityCheckOptions): Promise<IntegrityReport> { return await this.integrity.check(options) }
  lastIntegrity (): IntegrityReport | undefined { return this.integrity.last() }

  on<E extends keyof LedgerEvents>(event: E, listener: LedgerEvents[E]): void { this.events.on(event, listener) }
  off<E extends keyof LedgerEvents>(event: E, listener: LedgerEvents[E]): void { this.events.off(event, listener) }

  private assertOpen (): void {
    if (this.core.lifecycle.closing || this.core.lifecycle.closed) throw new LedgerClosedError()
  }

  async close (): Promise<void> {
    const { lifecycle, log } = this.core
    if (lifecycle.closed) return
    lifecycle.closing = true
    // Ingests still verifying will submit; let them, then flush the last group.
    await Promise.allSettled([...this.verifying])
    await this.writes.drain()
    await this.batchSigner.close()
    await this.integrity.stop()
    await this.recordVerifier.close()
    lifecycle.closed = true
    try {
      this.db.close()
    } catch (err) {
      log.warn('closing the database failed', { err: (err as Error).message })
    }
    this.events.removeAllListeners()
  }
}

export async function createLedger (init: LedgerInit, components: LedgerComponents): Promise<Ledger> {
  const origin = peerIdFromPrivateKey(components.privateKey).toString()
  // Validates the key type before touching the disk.
  createRecordSigner(components.privateKey, origin)
  const db = openDatabase({ path: init.dbPath })
  let ledger: SqliteLedger
  try {
    ledger = new SqliteLedger(createLedgerCore(init, components, db, origin), db, init, components)
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
      // Incremental: what was written since the last healthy check's mark (all of it the first time).
      ledger.integrityCheck({ incremental: true }).catch((err: unknown) => {
        if (!(err instanceof LedgerClosedError)) components.logger.error('integrity check failed to run', { err: (err as Error).message })
      })
    })
  }
  return ledger
}
