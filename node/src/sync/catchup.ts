/**
 * Catch-up: fetch what this node lacks from one peer in one round trip (P2P), and serve the same to
 * others (P2P stream or HTTP pull), always through the one algorithm (`ledger.missingFor` in bounded
 * batches, reconcile.ts).
 *
 * Catch-ups with different peers run one after the other: after a partition every peer offers the
 * same missing records, and a catch-up that starts once the previous one finished asks only for what
 * is still missing (concurrent ones fetched it from every peer: measured ~1.3x the bytes). Per peer,
 * a burst of triggers costs one exchange plus one follow-up (single-flight.ts).
 */
import { performance } from 'node:perf_hooks'
import { toWireRecord } from '../../../packages/contracts/src/record.js'
import { advance } from '../ledger/version-vector.js'
import type { SyncBatch, SyncRequest } from './codec.js'
import type { SyncContext } from './context.js'
import { CatchupError } from './errors.js'
import type { P2PTransport } from './p2p/transport.js'
import { announced, batchesFor, type BatchLimits, type ServedBatch } from './reconcile.js'
import type { StoredRecord, VersionVector } from '../ledger/interface.js'
import { SingleFlight } from './single-flight.js'

export type CatchupReason = 'connect' | 'gap' | 'heartbeat' | 'recovery'

export interface CatchUpComponents {
  limits: BatchLimits
  /** Peer admission: only network members may read the ledger. */
  isMember(peerId: string): boolean
  /** A P2P catch-up completed (records pulled or nothing missing): what recovery waits for. */
  completed(): void
  /** What a peer's answer said and brought, for the own-head gate (own-head-recovery.ts). */
  ownHead: {
    /** The server's version vector (the first batch of its answer). */
    peerVector(peerId: string, vv: VersionVector): void
    /** The exchange completed: this node now has what the peer had. */
    peerSynced(peerId: string): void
    /** Records applied from the answer. */
    remoteApplied(records: readonly StoredRecord[]): void
  }
}

export class CatchUp {
  private readonly flights = new SingleFlight()
  private queue: Promise<void> = Promise.resolve()
  private lastNudge = 0

  constructor (private readonly ctx: SyncContext, private readonly components: CatchUpComponents) {}

  trigger (peerId: string, reason: CatchupReason): void {
    const t = this.ctx.p2p()
    if (t === undefined) return
    this.flights.trigger(peerId, async () => { await this.inTurn(t, peerId, reason) }, () => t.running && this.ctx.active())
  }

  /** Peers are back but HTTP is still on: catch up with them so the mode can recover (once per heartbeat unless forced). */
  nudgeRecovery (force: boolean): void {
    const now = this.ctx.clock()
    if (!force && now - this.lastNudge < this.ctx.heartbeatIntervalMs) return
    this.lastNudge = now
    for (const p of this.ctx.p2p()?.peers() ?? []) this.trigger(p.peerId, 'recovery')
  }

  /** Serve a P2P catch-up request from `from`. */
  serve (req: SyncRequest, from: string): Iterable<ServedBatch> {
    // the PSK admits a connection; only members may read the ledger (as over HTTP, where reads need the token)
    if (!this.components.isMember(from)) {
      this.ctx.metrics.rejected.inc({ reason: 'non_member' })
      throw new CatchupError(from, 'not a network member: P2P catch-up refused')
    }
    // http mode means no libp2p sync at all: a requester must not count this as a P2P catch-up
    if (this.ctx.p2p() === undefined) throw new CatchupError('self', 'sync mode is http: P2P catch-up refused')
    // the first batch carries this node's vector: the requester learns its own head from it (own-head.ts)
    return announced(batchesFor(this.ctx.ledger, req.version_vector, this.clamp(req)), this.ctx.ledger.versionVector())
  }

  /** Serve one HTTP pull: one bounded batch and whether more remain. */
  pull (req: SyncRequest): SyncBatch {
    const { ledger } = this.ctx
    const limits = this.clamp(req)
    const records = ledger.missingFor(req.version_vector, limits.limit, limits.maxBytes)
    const vv = ledger.versionVector()
    const more = records.length > 0 && ledger.missingFor(advance(req.version_vector, records), 1).length > 0
    return { records: records.map(toWireRecord), more, version_vector: vv, peer_id: this.ctx.selfId }
  }

  async settled (): Promise<void> {
    await this.flights.settled()
  }

  private async inTurn (t: P2PTransport, peerId: string, reason: CatchupReason): Promise<void> {
    const run = this.queue.then(async () => { await this.once(t, peerId, reason) })
    this.queue = run.catch(() => {})
    await run
  }

  private async once (t: P2PTransport, peerId: string, reason: CatchupReason): Promise<void> {
    const { ctx } = this
    if (!t.running) return
    const { limits } = this.components
    const request: SyncRequest = { version_vector: ctx.ledger.versionVector(), limit: limits.limit, max_bytes: limits.maxBytes }
    let applied = 0
    // where the time went (the info line below; the catch-up benchmark prints it)
    const requested = performance.now()
    const loop = performance.eventLoopUtilization()
    let firstBatchMs: number | undefined
    let verifyMs = 0
    let commitMs = 0
    try {
      const outcome = await t.catchup(peerId, request, async (batch: SyncBatch, bytes: number) => {
        firstBatchMs ??= performance.now() - requested
        ctx.metrics.catchupBytes.inc({ transport: 'p2p' }, bytes)
        if (batch.version_vector !== undefined) this.components.ownHead.peerVector(peerId, batch.version_vector)
        if (batch.records.length === 0) return
        const started = performance.now()
        const result = await ctx.ledger.ingest(batch.records)
        verifyMs += result.timing?.verifyMs ?? 0
        commitMs += result.timing?.commitMs ?? 0
        this.components.ownHead.remoteApplied(result.applied)
        applied += result.applied.length
        ctx.logger.debug('catch-up batch applied', { peer: peerId, records: batch.records.length, applied: result.applied.length, buffered: result.buffered, bytes, apply_ms: Math.round(performance.now() - started) })
        ctx.metrics.catchupRecords.inc({ transport: 'p2p' }, result.applied.length)
      })
      ctx.synced()
      this.components.ownHead.peerSynced(peerId)
      if (applied > 0) {
        const ms = (x: number): number => Math.round(x * 10) / 10
        ctx.logger.info('p2p catch-up', {
          peer: peerId,
          reason,
          applied,
          bytes: outcome.bytes,
          batches: outcome.batches,
          duration_ms: ms(performance.now() - requested),
          first_batch_ms: ms(firstBatchMs ?? 0),
          decode_ms: ms(outcome.decodeMs),
          verify_ms: ms(verifyMs),
          commit_ms: ms(commitMs),
          // near 1: the main thread (decoding, storage, Merkle) was the bottleneck, not the network or the verifiers
          event_loop_utilization: Math.round(performance.eventLoopUtilization(loop).utilization * 100) / 100
        })
      }
      this.components.completed()
    } catch (err) {
      const level = err instanceof CatchupError ? 'warn' : 'error'
      ctx.logger.log(level, 'p2p catch-up failed', { peer: peerId, reason, err: (err as Error).message })
    }
  }

  private clamp (req: SyncRequest): BatchLimits {
    const { limits } = this.components
    return {
      limit: Math.min(req.limit ?? limits.limit, limits.limit),
      maxBytes: Math.min(req.max_bytes ?? limits.maxBytes, limits.maxBytes)
    }
  }
}
