/**
 * Gossip: local records out, remote records in, and this node's heartbeat.
 *
 * Out: records queue while a publish is in flight and go out together in the next message, so there is
 * no added delay when idle and far fewer messages (each costs Noise, pnet and Yamux framing on every
 * link) under load. One drain loop keeps them in seq order on the wire.
 * In: records go to the ledger (the one membership gate: records of non-members are rejected there);
 * a gap (buffered records) asks the delivering peer for a catch-up unless it closes within
 * GAP_GRACE_MS (1 s): under load most gaps are messages verified out of order (a large batch on the
 * verifier's threads, the next small one inline) and close a few milliseconds later, and a catch-up
 * for them re-sends records already here (`lattice_sync_catchups_avoided_total`).
 */
import { toWireRecord } from '../../../packages/contracts/src/record.js'
import type { LedgerRecord, StoredRecord } from '../ledger/interface.js'
import { digest as vvDigest } from '../ledger/version-vector.js'
import type { PrivateKey } from '@libp2p/interface'
import { encodeGossip, MAX_GOSSIP_RECORDS } from './codec.js'
import type { SyncContext } from './context.js'
import { carriesVector, IN_FLIGHT_GRACE_MS, signHeartbeat } from './heartbeat.js'
import { traceRecords } from '../util/record-trace.js'

export interface GossipComponents {
  privateKey: PrivateKey
  /** Ask `peerId` for what this node lacks (a gap appeared in what it delivered). */
  catchUp(peerId: string, reason: 'gap'): void
  /** Records applied from gossip (own-origin ones were lost here and came back: own-head-recovery.ts). */
  applied(records: readonly StoredRecord[]): void
}

/**
 * How long a gap in gossiped records may stay open before this node asks the delivering peer: the
 * same grace as for heartbeats (records in flight): with 250 ms, catch-ups that applied nothing still
 * ran at load average 40+.
 */
export const GAP_GRACE_MS = IN_FLIGHT_GRACE_MS

export class Gossip {
  private readonly pending: LedgerRecord[] = []
  private publishing: Promise<void> | undefined
  /** The oldest gap still open: records buffered for want of earlier ones, and who delivered them. */
  private gap: { since: number, from: string } | undefined
  /** The vector digest the last heartbeats carried, and how many heartbeats in a row it has been the same. */
  private vectorSent: { digest: string, unchanged: number } | undefined

  constructor (private readonly ctx: SyncContext, private readonly components: GossipComponents) {}

  /** Queue records for the topic; dropped while P2P is off (peers catch up by heartbeat later). */
  publish (records: readonly LedgerRecord[]): void {
    const t = this.ctx.p2p()
    if (t === undefined) return
    for (const r of records) this.pending.push(toWireRecord(r))
    traceRecords('queued', records)
    if (this.pending.length === 0 || this.publishing !== undefined) return
    this.publishing = (async () => {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_GOSSIP_RECORDS)
        try {
          const message = encodeGossip({ type: 'records', records: batch })
          traceRecords('handed', batch)
          await t.publish(message)
          traceRecords('sent', batch)
          this.ctx.metrics.gossipPublished.inc({ type: 'record' }, batch.length)
        } catch (err) {
          // the records are durable: heartbeats make peers catch up on what this message missed
          this.ctx.logger.warn('gossip publish failed', { records: batch.length, err: (err as Error).message })
        }
      }
    })().finally(() => { this.publishing = undefined })
  }

  /** Records a peer gossiped: ingest, measure propagation, catch up on a gap. */
  receive (records: LedgerRecord[], from: string): void {
    const { ctx } = this
    traceRecords('received', records)
    void ctx.ledger.ingest(records).then((result) => {
      this.components.applied(result.applied)
      if (result.applied.length > 0) {
        const now = ctx.clock()
        ctx.synced()
        const sent = new Set(records.map(r => r.id))
        for (const r of result.applied) if (sent.has(r.id)) ctx.metrics.propagation.observe(Math.max(0, now - r.ts) / 1000)
      }
      const outsiders = result.rejected.filter(r => r.reason === 'unknown_origin')
      if (outsiders.length > 0) ctx.peerWarnings.warn(from, 'records from a non-member dropped', { origins: [...new Set(outsiders.map(r => r.origin))], from })
      if (result.buffered > 0) this.gap ??= { since: ctx.clock(), from }
    }).catch((err: Error) => { ctx.peerWarnings.warn(from, 'gossip ingest failed', { from, err: err.message }) })
  }

  /** Each tick: a gap that closed needs nothing; one still open after the grace period starts a catch-up. */
  checkGap (now: number): void {
    if (this.gap === undefined) return
    // P2P off or gossip paused (http mode): heartbeats and the HTTP rounds take over
    if (this.ctx.p2p() === undefined) { this.gap = undefined; return }
    if (this.ctx.ledger.bufferedCount() === 0) {
      this.gap = undefined
      this.ctx.metrics.catchupsAvoided.inc()
    } else if (now - this.gap.since >= GAP_GRACE_MS) {
      const { from } = this.gap
      this.gap = undefined
      this.components.catchUp(from, 'gap')
    }
  }

  /** This node's signed heartbeat: its state digest, so peers can tell whether to catch up. */
  heartbeat (now: number): void {
    const t = this.ctx.p2p()
    // back from P2P off: the first heartbeat carries the vector again
    if (t === undefined) { this.vectorSent = undefined; return }
    const ledger = this.ctx.ledger
    const vv = ledger.versionVector()
    const digest = vvDigest(vv)
    const unchanged = this.vectorSent?.digest === digest ? this.vectorSent.unchanged + 1 : 0
    this.vectorSent = { digest, unchanged }
    // the vector itself too: a peer can tell records still in flight from records it lacks
    // (peer-heartbeats.ts). It grows with the network (every origin) and every node hears every
    // heartbeat, so a vector the recent heartbeats already carried is left out: peers keep it by digest
    const body = { peerId: this.ctx.selfId, vvDigest: digest, merkleRoot: ledger.merkleRoot(), recordCount: ledger.recordCount(), ts: now, ...(carriesVector(unchanged) ? { vv } : {}) }
    void (async () => {
      await t.publish(encodeGossip({ type: 'heartbeat', heartbeat: await signHeartbeat(this.components.privateKey, body) }))
      this.ctx.metrics.gossipPublished.inc({ type: 'heartbeat' })
    })().catch((err: Error) => { this.ctx.logger.warn('heartbeat publish failed', { err: err.message }) })
  }

  async settled (): Promise<void> {
    await this.publishing?.catch(() => {})
  }
}
