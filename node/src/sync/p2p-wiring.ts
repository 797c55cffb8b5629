/**
 * The libp2p transport as the sync service uses it: settings derived from the sync settings, and the
 * transport's events that are plain bookkeeping (malformed or over-budget messages, silent peers)
 * handled here; the rest go to the service's parts.
 */
import type { GossipMessage, SyncRequest } from './codec.js'
import type { SyncContext } from './context.js'
import type { SyncComponents, SyncInit } from './init.js'
import { P2PTransport } from './p2p/transport.js'
import type { ServedBatch } from './reconcile.js'

export interface P2PWiring {
  onGossip(msg: GossipMessage, from: string): void
  onPeerConnected(peerId: string): void
  /** The peer count changed; `since` is when the node became peerless (the last contact after a silent cut). */
  onPeersChanged(count: number, since: number): void
  serve(req: SyncRequest, from: string): Iterable<ServedBatch>
}

export function createP2PTransport (init: SyncInit, c: SyncComponents, psk: Uint8Array | undefined, timeoutMs: number, ctx: SyncContext, wiring: P2PWiring): P2PTransport {
  return new P2PTransport({
    privateKey: c.privateKey,
    listen: init.listen,
    topic: init.topic,
    psk,
    backoff: { minMs: init.redialMinMs ?? 250, maxMs: init.redialMaxMs ?? 10_000 },
    reconnectTickMs: Math.min(500, Math.max(50, Math.floor(init.heartbeatIntervalMs / 2))),
    timeoutMs,
    // at least 1 s: a ping deadline shorter than that would call a busy peer dead
    livenessIntervalMs: Math.max(1000, init.heartbeatIntervalMs)
  }, {
    onGossip: (msg, from) => { wiring.onGossip(msg, from) },
    onMalformed: (from, err) => {
      ctx.metrics.rejected.inc({ reason: 'malformed' })
      ctx.peerWarnings.warn(from, 'malformed gossip dropped', { from, err: err.message })
    },
    onOverBudget: () => { ctx.metrics.rejected.inc({ reason: 'over_budget' }) },
    onPeerConnected: (peerId) => { wiring.onPeerConnected(peerId) },
    // a node whose last peer went silent has been peerless since it last heard it: the peerless
    // timeout counts from then, so failover after a silent cut takes the timeout, not timeout + detection
    onPeersChanged: (count, lastContact) => { wiring.onPeersChanged(count, Math.min(ctx.clock(), lastContact ?? Infinity)) },
    onPeerSilent: (peerId, silentMs) => {
      ctx.metrics.silentPeers.inc()
      ctx.logger.warn('peer silent: connection closed', { peer: peerId, silent_ms: silentMs })
    },
    serve: (req, from) => wiring.serve(req, from),
    bootstrap: () => c.peers.bootstrap(),
    networkSize: () => c.peers.snapshot().members.length
  }, c.logger)
}
