/**
 * Heartbeats from peers: verified, kept per peer for the status (`peers[]`), judged for divergence
 * (peer-state.ts, `lattice_peer_diverged{peer}`), and turned into a catch-up when the peer holds
 * records this node lacks.
 */
import { digest as vvDigest } from '../ledger/version-vector.js'
import type { SignedHeartbeat } from './codec.js'
import type { SyncContext } from './context.js'
import { heartbeatCallsForCatchup, verifyHeartbeat } from './heartbeat.js'
import { peerGraceMs, trackPeerState } from './peer-state.js'
import { heartbeatFresh, type PeerHeartbeat } from './status.js'

export interface PeerHeartbeatsComponents {
  /** Peer admission: heartbeats of non-members are dropped and counted. */
  isMember(peerId: string): boolean
  catchUp(peerId: string, reason: 'heartbeat'): void
}

export class PeerHeartbeats {
  private readonly last = new Map<string, PeerHeartbeat>()

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
      const own = { merkleRoot: ctx.ledger.merkleRoot(), vvDigest: vvDigest(ctx.ledger.versionVector()) }
      const now = ctx.clock()
      // A verdict from before a silence is not carried over: the grace period starts again.
      const previous = this.last.get(hb.peerId)
      const current = previous !== undefined && heartbeatFresh(previous, now, ctx.heartbeatIntervalMs) ? previous : undefined
      const state = trackPeerState(current, hb, own, now, peerGraceMs(ctx.heartbeatIntervalMs))
      this.last.set(hb.peerId, { at: now, merkleRoot: hb.merkleRoot, recordCount: hb.recordCount, vvDigest: hb.vvDigest, ...state })
      ctx.metrics.peerDiverged.set({ peer: hb.peerId }, state.diverged ? 1 : 0)
      if (heartbeatCallsForCatchup(hb, own.merkleRoot, own.vvDigest)) {
        // ask the sender itself when connected to it, else the peer that forwarded its heartbeat
        const connected = ctx.p2p()?.peers().some(p => p.peerId === hb.peerId) === true
        this.components.catchUp(connected ? hb.peerId : from, 'heartbeat')
      }
    }).catch((err: Error) => { ctx.peerWarnings.warn(from, 'heartbeat handling failed', { from, err: err.message }) })
  }

  /** A peer not heard from lately has no current verdict: drop its series rather than keep a stale one. */
  dropStaleVerdicts (now: number): void {
    for (const [peer, hb] of this.last) {
      if (!heartbeatFresh(hb, now, this.ctx.heartbeatIntervalMs)) this.ctx.metrics.peerDiverged.remove({ peer })
    }
  }
}
