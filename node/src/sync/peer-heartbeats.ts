/**
 * Heartbeats from peers: verified, kept per peer for the status (`peers[]`), judged for divergence
 * (peer-state.ts, `lattice_peer_diverged{peer}`), and turned into a catch-up when the peer holds
 * records this node lacks.
 *
 * During steady writing most heartbeats differ from this node's state only by records still in flight
 * (gossip is milliseconds behind), and a catch-up for them re-sends what is already arriving. So a
 * heartbeat that carries the sender's version vector starts a catch-up only when the sender holds
 * records this node lacks and they have not arrived within IN_FLIGHT_GRACE_MS (checked every tick);
 * the ones that did arrive count in `lattice_sync_catchups_avoided_total`. While a sender's vector stays
 * the same its heartbeats leave it out (heartbeat.ts carriesVector): the vector kept from its last heartbeat
 * that carried one stands in when the digests match. A heartbeat with neither (an older node, or a peer
 * whose vector this node has not seen yet) starts one at once, as before.
 */
import { digest as vvDigest } from '../ledger/version-vector.js'
import type { SignedHeartbeat } from './codec.js'
import type { SyncContext } from './context.js'
import type { VersionVector } from '../ledger/interface.js'
import { heartbeatCallsForCatchup, heartbeatVector, holdsMore, IN_FLIGHT_GRACE_MS, verifyHeartbeat } from './heartbeat.js'
import { peerGraceMs, trackPeerState } from './peer-state.js'
import { heartbeatFresh, type PeerHeartbeat } from './status.js'

export interface PeerHeartbeatsComponents {
  /** Peer admission: heartbeats of non-members are dropped and counted. */
  isMember(peerId: string): boolean
  catchUp(peerId: string, reason: 'heartbeat'): void
}

/** A peer's heartbeat showed records this node lacks: what it held then, since when, who delivered it. */
interface Lead { vv: VersionVector, since: number, from: string }

export class PeerHeartbeats {
  private readonly last = new Map<string, PeerHeartbeat>()
  private readonly leads = new Map<string, Lead>()
  /** The last vector each peer's heartbeats carried: later ones leave it out while it stays the same (heartbeat.ts carriesVector). */
  private readonly vectors = new Map<string, Pick<SignedHeartbeat, 'vv' | 'vvDigest'>>()

  constructor (private readonly ctx: SyncContext, private readonly components: PeerHeartbeatsComponents) {}

  /** The last heartbeat of each peer, for the status. */
  get byPeer (): ReadonlyMap<string, PeerHeartbeat> { return this.last }

  receive (hb: SignedHeartbeat, from: string): void {
    const { ctx } = this
    if (hb.peerId === ctx.selfId) return
    if (!this.components.isMember(hb.peerId)) { ctx.metrics.rejected.inc({ reason: 'non_member' }); return }
    void verifyHeartbeat(hb).then((ok) => {
      if (!ok) {
        ctx.metrics.rejected.inc({ reason: 'bad_heartbeat_signature' })
        return
      }
      const ownVector = ctx.ledger.versionVector()
      const own = { merkleRoot: ctx.ledger.merkleRoot(), vvDigest: vvDigest(ownVector) }
      const now = ctx.clock()
      // A verdict from before a silence is not carried over: the grace period starts again.
      const previous = this.last.get(hb.peerId)
      const current = previous !== undefined && heartbeatFresh(previous, now, ctx.heartbeatIntervalMs) ? previous : undefined
      if (hb.vv !== undefined) this.vectors.set(hb.peerId, { vv: hb.vv, vvDigest: hb.vvDigest })
      const state = trackPeerState(current, hb, own, now, peerGraceMs(ctx.heartbeatIntervalMs))
      this.last.set(hb.peerId, { at: now, merkleRoot: hb.merkleRoot, recordCount: hb.recordCount, vvDigest: hb.vvDigest, ...state })
      ctx.metrics.peerDiverged.set({ peer: hb.peerId }, state.diverged ? 1 : 0)
      const lead = this.leads.get(hb.peerId)
      // an earlier lead still waiting keeps its start: its age is how long the peer has been ahead
      if (lead !== undefined && holdsMore(lead.vv, ownVector)) return
      if (lead !== undefined) {
        // what the peer held then arrived by gossip
        this.leads.delete(hb.peerId)
        ctx.metrics.catchupsAvoided.inc()
      }
      if (!heartbeatCallsForCatchup(hb, own.merkleRoot, own.vvDigest)) return
      // a heartbeat without the vector: the one kept from this peer when its digest is the same
      const kept = this.vectors.get(hb.peerId)
      const theirs = heartbeatVector(hb.vv === undefined && kept?.vvDigest === hb.vvDigest ? { ...hb, vv: kept.vv } : hb)
      if (theirs === undefined) this.catchUpFrom(hb.peerId, from)
      else if (holdsMore(theirs, ownVector)) this.leads.set(hb.peerId, { vv: theirs, since: now, from })
      // the peer holds nothing this node lacks (this node is ahead): nothing to ask for
      else ctx.metrics.catchupsAvoided.inc()
    }).catch((err: Error) => { ctx.peerWarnings.warn(from, 'heartbeat handling failed', { from, err: err.message }) })
  }

  /** Each tick: a lead whose records arrived is dropped; one whose records did not within the grace period starts a catch-up. */
  checkLeads (now: number): void {
    if (this.leads.size === 0) return
    const own = this.ctx.ledger.versionVector()
    for (const [peer, lead] of this.leads) {
      if (!holdsMore(lead.vv, own)) {
        this.leads.delete(peer)
        this.ctx.metrics.catchupsAvoided.inc()
      } else if (now - lead.since >= IN_FLIGHT_GRACE_MS) {
        this.leads.delete(peer)
        this.catchUpFrom(peer, lead.from)
      }
    }
  }

  /** Ask the sender itself when connected to it, else the peer that forwarded its heartbeat. */
  private catchUpFrom (peerId: string, from: string): void {
    const connected = this.ctx.p2p()?.peers().some(p => p.peerId === peerId) === true
    this.components.catchUp(connected ? peerId : from, 'heartbeat')
  }

  /** A peer not heard from lately has no current verdict: drop its series rather than keep a stale one. */
  dropStaleVerdicts (now: number): void {
    for (const [peer, hb] of this.last) {
      if (!heartbeatFresh(hb, now, this.ctx.heartbeatIntervalMs)) this.ctx.metrics.peerDiverged.remove({ peer })
    }
  }
}
