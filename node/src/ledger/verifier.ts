/**
 * The record verifier: a remote record's full check (shape and limits, id = SHA-256 of the canonical
 * body, Ed25519 signature) on a small pool of worker threads, so a batch uses every core and the
 * event loop keeps only decoding, storage and the Merkle tree. One service for every caller that
 * verifies many records at once (catch-up batches, HTTP pushes, gossip bursts): the ledger owns it
 * (`ingest` uses it) and closes it with itself.
 *
 * Small batches stay on this thread (a worker round trip costs more than it saves for a few records);
 * where a worker cannot start or dies, its records are checked on this thread instead: slower, never
 * skipped. The checks are the same functions either way (`checkRecord`, `verifySignature` in record.ts).
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Logger } from '../../../packages/log/src/index.js'
import type { KeyObject } from 'node:crypto'
import { checkRecord, originPublicKey, verifySignatureAsync, type RecordLimits } from './record.js'
import { fullCheck, type VerifyOutcome } from './record-checks.js'

export type { VerifyOutcome } from './record-checks.js'

export interface VerifyRequest {
  records: readonly unknown[]
  /**
   * Per record: check the signature too (true), or only the shape and id (false: e.g. an origin that is
   * not a member, rejected anyway, whose signature is not worth a verification).
   */
  signature: readonly boolean[]
}

export interface RecordVerifier {
  /** Check every record; outcomes in input order. Never rejects for a record's content. */
  verify(request: VerifyRequest): Promise<VerifyOutcome[]>
  /** Terminate the worker threads (pending checks finish on this thread). */
  close(): Promise<void>
}

export interface RecordVerifierInit {
  limits: RecordLimits
  /** Worker threads (default: the cores, at most 2; 0 checks everything on this thread). */
  threads?: number
  /** Batches smaller than this are checked on this thread (default 32). */
  minWorkerBatch?: number
  /** The worker's module (default verify-worker.js beside this one). */
  workerUrl?: URL
}

export interface RecordVerifierComponents {
  logger: Logger
}

/** Message to a verify worker. */
export interface VerifyWorkerTask {
  task: number
  records: readonly unknown[]
  signature: readonly boolean[]
  limits: RecordLimits
  /** The public keys of the task's origins that are Ed25519 peer IDs (decoded here: the worker loads no libp2p code). */
  keys: Array<[origin: string, key: KeyObject]>
}

/** A verify worker's answer. */
export interface VerifyWorkerResult {
  task: number
  outcomes: VerifyOutcome[]
}

const DEFAULT_MIN_WORKER_BATCH = 32
/** Workers in a row that may die before their first answer before the pool gives up on threads. */
const MAX_STILLBORN = 3
/**
 * Requests up to this size (a gossip message: one record, or the few queued behind a publish) are
 * checked synchronously on the calling thread: a thread-pool round trip per record costs more CPU than
 * the check (88 against 64 us per Ed25519 verification) and, on a loaded machine, waits for a pool
 * thread to be scheduled, which was the longest stage of gossip propagation (test/bench/sync.bench.ts).
 */
const INLINE_MAX = 4

/** The keys of the records' origins, for a worker task. */
function keysOf (records: readonly unknown[]): Array<[string, KeyObject]> {
  const keys = new Map<string, KeyObject>()
  for (const r of records) {
    const origin = (r as { origin?: unknown } | null)?.origin
    if (typeof origin !== 'string' || keys.has(origin)) continue
    const key = originPublicKey(origin)
    if (key !== undefined) keys.set(origin, key)
  }
  return [...keys]
}

/** On this thread: shape and id here, signatures on the libuv pool (node:crypto's callback form). */
async function checkHere (request: VerifyRequest, limits: RecordLimits): Promise<VerifyOutcome[]> {
  const outcomes: Array<VerifyOutcome | Promise<VerifyOutcome>> = []
  for (let i = 0; i < request.records.length; i++) {
    const r = request.records[i]
    const checked = checkRecord(r, limits)
    const shape: VerifyOutcome = 'canonicalPayload' in checked ? { ok: true, canonicalPayload: checked.canonicalPayload } : { ok: false, reason: checked.reason }
    if (!shape.ok || !request.signature[i]) { outcomes.push(shape); continue }
    outcomes.push(verifySignatureAsync(r as { origin: string, id: string, sig: string }).then((ok): VerifyOutcome => ok ? shape : { ok: false, reason: 'bad_signature' }))
  }
  return await Promise.all(outcomes)
}

interface Pending {
  resolve(outcomes: VerifyOutcome[]): void
  reject(err: Error): void
  size: number
}

/** One worker thread and the tasks it has not answered yet. */
class VerifyThread {
  readonly pending = new Map<number, Pending>()
  /** Records sent and not answered: the pool gives the next chunk to the least loaded thread. */
  load = 0
  dead = false
  /** It answered at least one task (a worker that dies before that probably cannot start at all). */
  answered = false
  private readonly worker: Worker

  constructor (url: URL, onDeath: (t: VerifyThread, err: Error) => void) {
    this.worker = new Worker(url)
    // a pool must never keep the process alive; close() terminates it on a clean stop
    this.worker.unref()
    this.worker.on('message', (msg: VerifyWorkerResult) => {
      const p = this.pending.get(msg.task)
      if (p === undefined) return
      this.pending.delete(msg.task)
      this.answered = true
      this.load -= p.size
      p.resolve(msg.outcomes)
    })
    const die = (err: Error): void => {
      if (this.dead) return
      this.dead = true
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
      this.load = 0
      onDeath(this, err)
    }
    this.worker.on('error', die)
    this.worker.on('exit', (code) => { die(new Error(`verify worker exited with code ${code}`)) })
  }

  run (task: VerifyWorkerTask): Promise<VerifyOutcome[]> {
    return new Promise<VerifyOutcome[]>((resolve, reject) => {
      this.pending.set(task.task, { resolve, reject, size: task.records.length })
      this.load += task.records.length
      this.worker.postMessage(task)
    })
  }

  /** Pending tasks are rejected by the exit (their callers check them on the main thread). */
  async terminate (): Promise<void> {
    await this.worker.terminate()
  }
}

export function createRecordVerifier (init: RecordVerifierInit, components: RecordVerifierComponents): RecordVerifier {
  const size = Math.max(0, init.threads ?? Math.min(2, availableParallelism()))
  const minWorkerBatch = init.minWorkerBatch ?? DEFAULT_MIN_WORKER_BATCH
  const workerUrl = init.workerUrl ?? new URL('./verify-worker.js', import.meta.url)
  const threads: VerifyThread[] = []
  let nextTask = 1
  let closed = false
  let startFailed = false
  /** Workers in a row that died before answering anything: after a few, stop starting new ones. */
  let stillborn = 0

  const onDeath = (t: VerifyThread, err: Error): void => {
    const i = threads.indexOf(t)
    if (i >= 0) threads.splice(i, 1)
    if (closed) return
    stillborn = t.answered ? 0 : stillborn + 1
    if (stillborn >= MAX_STILLBORN) {
      startFailed = true
      components.logger.warn('verify workers keep failing before their first answer: records are checked on the main thread from now on', { err: err.message })
      return
    }
    components.logger.warn('verify worker stopped: its records are checked on the main thread; a new worker starts with the next batch', { err: err.message })
  }

  /** Started on first use: a node that never receives a large batch keeps no threads. */
  const pool = (): VerifyThread[] => {
    while (!closed && !startFailed && threads.length < size) {
      try {
        threads.push(new VerifyThread(workerUrl, onDeath))
      } catch (err) {
        startFailed = true
        components.logger.warn('verify workers cannot start: records are checked on the main thread', { err: (err as Error).message })
      }
    }
    return threads
  }

  const inChunk = async (request: VerifyRequest, from: number, to: number): Promise<VerifyOutcome[]> => {
    const part: VerifyRequest = { records: request.records.slice(from, to), signature: request.signature.slice(from, to) }
    const t = pool().reduce<VerifyThread | undefined>((best, x) => (best === undefined || x.load < best.load ? x : best), undefined)
    if (t === undefined) return await checkHere(part, init.limits)
    try {
      return await t.run({ task: nextTask++, records: part.records, signature: part.signature, limits: init.limits, keys: keysOf(part.records) })
    } catch {
      // the worker died with this chunk: check it here (the death was logged once)
      return await checkHere(part, init.limits)
    }
  }

  return {
    async verify (request) {
      const n = request.records.length
      if (n <= INLINE_MAX) return request.records.map((r, i) => fullCheck(r, request.signature[i], init.limits, originPublicKey))
      if (closed || size === 0 || n < minWorkerBatch) return await checkHere(request, init.limits)
      // one chunk per thread: both cores work on one batch, and answers come back per chunk
      const chunks = Math.max(1, pool().length)
      const per = Math.ceil(n / chunks)
      const parts: Array<Promise<VerifyOutcome[]>> = []
      for (let from = 0; from < n; from += per) parts.push(inChunk(request, from, Math.min(n, from + per)))
      return (await Promise.all(parts)).flat()
    },
    async close () {
      closed = true
      await Promise.all(threads.splice(0).map(async t => { await t.terminate() }))
    }
  }
}
