/**
 * The hybrid sync service: composes the P2P transport, the HTTP sync client and the mode machine.
 *
 * One 100 ms ticker drives time: it feeds the mode machine (failover after the peerless timeout),
 * runs the heartbeat monitor (publish a signed heartbeat every interval) and starts HTTP rounds every
 * poll interval while HTTP sync is on. Events drive the rest: a local append is gossiped, a gossiped
 * record is ingested, a gap / a differing heartbeat / a new connection starts a P2P catch-up.
 */
import { readFile } from 'node:fs/promises'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Router } from 'express'
import { CatchupError, InvalidSyncModeError } from './errors.js'
import { encodeGossip, MAX_GOSSIP_RECORDS, type GossipMessage, type SignedHeartbeat, type SyncBatch, type SyncRequest } from './codec.js'
import { heartbeatCallsForCatchup, signHeartbeat, verifyHeartbeat } from './heartbeat.js'
import { HttpSyncClient } from './http/client.js'
import { HttpPoller } from './http/poller.js'
import { createSyncRouter, type PushResult } from './http/router.js'
import { createSyncMetrics, type SyncMetrics } from './metrics.js'
import { ModeMachine, type ModeStep } from './mode.js'
import { P2PTransport } from './p2p/transport.js'
import { SingleFlight } from './single-flight.js'
import { buildHealth, buildStatus, heartbeatActive, heartbeatFresh, type PeerHeartbeat, type SyncSnapshot } from './status.js'
import { peerGraceMs, trackPeerState } from './peer-state.js'
import { throttleWarnings, type ThrottledWarnings } from '../util/log-throttle.js'
import { batchesFor, DEFAULT_BATCH_LIMITS, type BatchLimits } from './reconcile.js'
import { advance, digest as vvDigest } from '../ledger/version-vector.js'
import type { SyncComponents, SyncInit } from './init.js'
import type { P2PStatus, SwitchResult, SyncHealth, SyncModeSetting, SyncService } from './interface.js'
import type { IngestResult, LedgerRecord, StoredRecord } from '../ledger/interface.js'
import { toWireRecord } from '../../../packages/contracts/src/record.js'

const TICK_MS = 100
const MODES: readonly SyncModeSetting[] = ['p2p', 'http', 'auto']

class HybridSyncService implements SyncService {
  private readonly init: SyncInit
  private readonly c: SyncComponents
  private readonly clock: () => number
  private readonly selfId: string
  private readonly metrics: SyncMetrics
  private mode: ModeMachine
  private readonly limits: BatchLimits
  private readonly http: HttpSyncClient
  private readonly poller: HttpPoller
  private transport: P2PTransport | undefined
  private ticker: NodeJS.Timeout | undefined
  private started = false
  private lastHeartbeatTick: number | null = null
  private nextHeartbeatAt = 0
  private nextPollAt = 0
  private pollRunning: Promise<void> | undefined
  private lastSync: number | null = null
  private lastHttpRound: { at: number, ok: number, failed: number } | null = null
  private readonly heartbeats = new Map<string, PeerHeartbeat>()
  /** Warnings a peer can cause at will, at most one per peer and kind every 10 s. */
  private readonly peerWarnings: ThrottledWarnings
  private readonly catchups = new SingleFlight()
  private catchupQueue: Promise<void> = Promise.resolve()
  private lastRecoveryNudge = 0
  private readonly onApplied: (records: StoredRecord[]) => void
  private readonly onPeersChange: () => void
  private readonly pendingPublish: LedgerRecord[] = []
  private publishing: Promise<void> | undefined

  constructor (init: SyncInit, components: SyncComponents, psk: Uint8Array | undefined, ca: Buffer | undefined) {
    this.init = init
    this.c = components
    this.peerWarnings = throttleWarnings(components.logger)
    this.clock = components.clock ?? Date.now
    this.selfId = peerIdFromPrivateKey(components.privateKey).toString()
    this.metrics = createSyncMetrics(components.registry)
    this.mode = new ModeMachine({ setting: init.mode, peerlessTimeoutMs: init.peerlessTimeoutMs, now: this.clock() })
    this.limits = { limit: init.batchLimit ?? DEFAULT_BATCH_LIMITS.limit, maxBytes: init.batchMaxBytes ?? DEFAULT_BATCH_LIMITS.maxBytes }
    const timeoutMs = init.requestTimeoutMs ?? 15_000
    this.http = new HttpSyncClient({ token: components.apiToken, ca: components.trust ?? ca, timeoutMs, limits: this.limits })
    this.poller = new HttpPoller({
      client: this.http,
      selfPeerId: this.selfId,
      nodes: () => this.c.peers.latticeNodes(),
      source: this.c.ledger,
      apply: async (records) => await this.applyRemote(records),
      metrics: this.metrics,
      logger: this.c.logger
    })
    if (init.p2pEnabled) {
      this.transport = new P2PTransport({
        privateKey: components.privateKey,
        listen: init.listen,
        topic: init.topic,
        psk,
        backoff: { minMs: init.redialMinMs ?? 250, maxMs: init.redialMaxMs ?? 10_000 },
        reconnectTickMs: Math.min(500, Math.max(50, Math.floor(init.heartbeatIntervalMs / 2))),
        timeoutMs,
        // at least 1 s: a ping deadline shorter than that would call a busy peer dead
        livenessIntervalMs: Math.max(1000, init.heartbeatIntervalMs)
      }, {
        onGossip: (msg, from) => { this.onGossip(msg, from) },
        onMalformed: (from, err) => {
          this.metrics.rejected.inc({ reason: 'malformed' })
          this.peerWarnings.warn(from, 'malformed gossip dropped', { from, err: err.message })
        },
        onOverBudget: () => { this.metrics.rejected.inc({ reason: 'over_budget' }) },
        onPeerConnected: (peerId) => { this.triggerCatchup(peerId, 'connect') },
        // a node whose last peer went silent has been peerless since it last heard it: the peerless
        // timeout counts from then, so failover after a silent cut takes the timeout, not timeout + detection
        onPeersChanged: (count, lastContact) => { this.applyStep(this.mode.peers(count, Math.min(this.clock(), lastContact ?? Infinity))) },
        onPeerSilent: (peerId, silentMs) => {
          this.metrics.silentPeers.inc()
          this.c.logger.warn('peer silent: connection closed', { peer: peerId, silent_ms: silentMs })
        },
        serve: (req, from) => {
          // the PSK admits a connection; only members may read the ledger (as over HTTP, where reads need the token)
          if (!this.c.peers.isMember(from)) {
            this.metrics.rejected.inc({ reason: 'non_member' })
            throw new CatchupError(from, 'not a network member: P2P catch-up refused')
          }
          // http mode means no libp2p sync at all: a requester must not count this as a P2P catch-up
          if (!this.mode.view().gossipEnabled) throw new CatchupError('self', 'sync mode is http: P2P catch-up refused')
          return batchesFor(this.c.ledger, req.version_vector, this.clampLimits(req))
        },
        bootstrap: () => this.c.peers.bootstrap()
      }, components.logger)
    }
    this.onApplied = (records) => { this.publishLocal(records) }
    this.onPeersChange = () => { this.transport?.redialNow() }
    this.updateGauges()
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.c.ledger.on('applied', this.onApplied)
    this.c.peers.on('change', this.onPeersChange)
    if (this.transport !== undefined) {
      try {
        await this.transport.start()
      } catch (err) {
        // the node still serves and syncs over HTTP: auto mode fails over after the timeout
        this.c.logger.error('libp2p failed to start', { err: (err as Error).message })
      }
    }
    const now = this.clock()
    // the peerless timeout counts from the start of sync, not from construction (the daemon may open
    // and check the ledger in between); a node that connected meanwhile keeps its peer count
    const peerCount = this.mode.view().peerCount
    this.mode = new ModeMachine({ setting: this.mode.view().setting, peerlessTimeoutMs: this.init.peerlessTimeoutMs, now })
    this.applyStep(this.mode.peers(peerCount, now))
    this.lastHeartbeatTick = now
    this.nextHeartbeatAt = now
    this.nextPollAt = now
    this.ticker = setInterval(() => { this.tick() }, TICK_MS)
    this.ticker.unref()
    this.tick()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    if (this.ticker !== undefined) clearInterval(this.ticker)
    this.ticker = undefined
    this.c.ledger.off('applied', this.onApplied)
    this.c.peers.off('change', this.onPeersChange)
    await this.transport?.stop()
    await this.pollRunning?.catch(() => {})
    await this.catchups.settled()
    await this.publishing?.catch(() => {})
    this.http.close()
    this.updateGauges()
  }

  status (): P2PStatus {
    return buildStatus(this.snapshot())
  }

  health (): SyncHealth {
    return buildHealth(this.snapshot())
  }

  private snapshot (): SyncSnapshot {
    return {
      now: this.clock(),
      view: this.mode.view(),
      p2pEnabled: this.init.p2pEnabled,
      running: this.transport?.running ?? false,
      serviceStarted: this.started,
      selfId: this.selfId,
      listenAddrs: this.transport?.listenAddrs() ?? [],
      peers: this.transport?.peers() ?? [],
      heartbeats: this.heartbeats,
      merkleRoot: this.c.ledger.merkleRoot(),
      recordCount: this.c.ledger.recordCount(),
      lastSync: this.lastSync,
      lastHeartbeatTick: this.lastHeartbeatTick,
      heartbeatIntervalMs: this.init.heartbeatIntervalMs,
      latticeNodes: this.c.peers.latticeNodes().length,
      lastHttpRound: this.lastHttpRound
    }
  }

  switchMode (mode: SyncModeSetting): SwitchResult {
    if (!MODES.includes(mode)) throw new InvalidSyncModeError(String(mode))
    const before = this.mode.view().setting
    const step = this.mode.switch(mode, this.clock())
    this.applyStep(step)
    this.c.logger.info('sync mode switched', { from: before, to: mode, effective: step.view.effective })
    if (step.view.awaitingCatchup) this.nudgeRecovery(true)
    return { success: true, message: `sync mode ${mode} (effective ${step.view.effective}${step.view.httpSyncEnabled ? ', HTTP sync on' : ''})`, mode }
  }

  router (): Router {
    return createSyncRouter({
      pull: async (req) => await this.servePull(req),
      push: async (records) => await this.acceptPush(records),
      setP2PEnabled: async (enabled) => await this.setP2PEnabled(enabled)
    })
  }

  // ---- P2P ----

  /**
   * Gossip local appends. Records queue while a publish is in flight and go out together in the next
   * message: no added delay when idle, far fewer messages (each costs Noise, pnet and Yamux framing
   * on every link) under load. One drain loop keeps them in seq order on the wire.
   */
  private publishLocal (records: StoredRecord[]): void {
    this.enqueueGossip(records.filter(r => r.origin === this.selfId))
  }

  private enqueueGossip (records: Array<StoredRecord | LedgerRecord>): void {
    const t = this.transport
    if (t === undefined || !t.running || !this.mode.view().gossipEnabled) return
    for (const r of records) this.pendingPublish.push(toWireRecord(r))
    if (this.pendingPublish.length === 0 || this.publishing !== undefined) return
    this.publishing = (async () => {
      while (this.pendingPublish.length > 0) {
        const batch = this.pendingPublish.splice(0, MAX_GOSSIP_RECORDS)
        try {
          await t.publish(encodeGossip({ type: 'records', records: batch }))
          this.metrics.gossipPublished.inc({ type: 'record' }, batch.length)
        } catch (err) {
          // the records are durable: heartbeats make peers catch up on what this message missed
          this.c.logger.warn('gossip publish failed', { records: batch.length, err: (err as Error).message })
        }
      }
    })().finally(() => { this.publishing = undefined })
  }

  private onGossip (msg: GossipMessage, from: string): void {
    if (!this.mode.view().gossipEnabled) return
    if (msg.type === 'heartbeat') { this.onHeartbeat(msg.heartbeat, from); return }
    const members = msg.records.filter(r => this.c.peers.isMember(r.origin))
    if (members.length < msg.records.length) {
      this.metrics.rejected.inc({ reason: 'non_member' }, msg.records.length - members.length)
      this.peerWarnings.warn(from, 'records from a non-member dropped', { origins: [...new Set(msg.records.filter(r => !members.includes(r)).map(r => r.origin))], from })
    }
    if (members.length === 0) return
    void this.c.ledger.ingest(members).then((result) => {
      const now = this.clock()
      if (result.applied.length > 0) {
        this.lastSync = now
        const sent = new Set(members.map(r => r.id))
        for (const r of result.applied) if (sent.has(r.id)) this.metrics.propagation.observe(Math.max(0, now - r.ts) / 1000)
      }
      this.countRejected(result)
      if (result.buffered > 0) this.triggerCatchup(from, 'gap')
    }).catch((err: Error) => { this.peerWarnings.warn(from, 'gossip ingest failed', { from, err: err.message }) })
  }

  private onHeartbeat (hb: SignedHeartbeat, from: string): void {
    if (hb.peerId === this.selfId) return
    if (!this.c.peers.isMember(hb.peerId)) { this.metrics.rejected.inc({ reason: 'non_member' }); return }
    void verifyHeartbeat(hb).then((ok) => {
      if (!ok) {
        this.metrics.rejected.inc({ reason: 'bad_heartbeat_signature' })
        return
      }
      const ledger = this.c.ledger
      const own = { merkleRoot: ledger.merkleRoot(), vvDigest: vvDigest(ledger.versionVector()) }
      const now = this.clock()
      // A verdict from before a silence is not carried over: the grace period starts again.
      const previous = this.heartbeats.get(hb.peerId)
      const current = previous !== undefined && heartbeatFresh(previous, now, this.init.heartbeatIntervalMs) ? previous : undefined
      const state = trackPeerState(current, hb, own, now, peerGraceMs(this.init.heartbeatIntervalMs))
      this.heartbeats.set(hb.peerId, { at: now, merkleRoot: hb.merkleRoot, recordCount: hb.recordCount, vvDigest: hb.vvDigest, ...state })
      this.metrics.peerDiverged.set({ peer: hb.peerId }, state.diverged ? 1 : 0)
      if (heartbeatCallsForCatchup(hb, own.merkleRoot, own.vvDigest)) {
        // ask the sender itself when connected to it, else the peer that forwarded its heartbeat
        const connected = this.transport?.peers().some(p => p.peerId === hb.peerId) === true
        this.triggerCatchup(connected ? hb.peerId : from, 'heartbeat')
      }
    }).catch((err: Error) => { this.peerWarnings.warn(from, 'heartbeat handling failed', { from, err: err.message }) })
  }

  private triggerCatchup (peerId: string, reason: string): void {
    const t = this.transport
    if (t === undefined || !t.running || !this.mode.view().gossipEnabled) return
    this.catchups.trigger(peerId, async () => { await this.catchupOnce(t, peerId, reason) }, () => t.running && this.started)
  }

  /**
   * Catch-ups with different peers run one after the other: after a partition every peer offers the
   * same missing records, and a catch-up that starts once the previous one finished asks only for
   * what is still missing (concurrent ones fetched it from every peer: measured ~1.3x the bytes).
   */
  private async catchupOnce (t: P2PTransport, peerId: string, reason: string): Promise<void> {
    const run = this.catchupQueue.then(async () => { await this.catchupNow(t, peerId, reason) })
    this.catchupQueue = run.catch(() => {})
    await run
  }

  private async catchupNow (t: P2PTransport, peerId: string, reason: string): Promise<void> {
    if (!t.running) return
    const request: SyncRequest = { version_vector: this.c.ledger.versionVector(), limit: this.limits.limit, max_bytes: this.limits.maxBytes }
    let applied = 0
    try {
      const outcome = await t.catchup(peerId, request, async (batch: SyncBatch, bytes: number) => {
        this.metrics.catchupBytes.inc({ transport: 'p2p' }, bytes)
        if (batch.records.length === 0) return
        const started = performance.now()
        const result = await this.applyRemote(batch.records)
        applied += result.applied.length
        this.c.logger.debug('catch-up batch applied', { peer: peerId, records: batch.records.length, applied: result.applied.length, buffered: result.buffered, bytes, apply_ms: Math.round(performance.now() - started) })
        this.metrics.catchupRecords.inc({ transport: 'p2p' }, result.applied.length)
      })
      this.lastSync = this.clock()
      if (applied > 0) this.c.logger.info('p2p catch-up', { peer: peerId, reason, applied, bytes: outcome.bytes, batches: outcome.batches })
      this.applyStep(this.mode.catchupCompleted(this.clock()))
    } catch (err) {
      const level = err instanceof CatchupError ? 'warn' : 'error'
      this.c.logger.log(level, 'p2p catch-up failed', { peer: peerId, reason, err: (err as Error).message })
    }
  }

  /** Ingest records from a catch-up or HTTP batch: non-members dropped and counted first. */
  private async applyRemote (records: LedgerRecord[]): Promise<IngestResult> {
    const members = records.filter(r => this.c.peers.isMember(r.origin))
    const dropped = records.length - members.length
    if (dropped > 0) this.metrics.rejected.inc({ reason: 'non_member' }, dropped)
    const result = members.length > 0
      ? await this.c.ledger.ingest(members)
      : { applied: [], duplicates: 0, buffered: 0, rejected: [] }
    this.countRejected(result)
    return result
  }

  private countRejected (result: IngestResult): void {
    for (const r of result.rejected) this.metrics.rejected.inc({ reason: r.reason })
  }

  private async setP2PEnabled (enabled: boolean): Promise<{ p2p_enabled: boolean, message: string }> {
    const t = this.transport
    if (t === undefined) return { p2p_enabled: false, message: 'P2P is disabled by configuration (AETHEL_P2P_ENABLED=false)' }
    if (enabled) await t.start()
    else await t.stop()
    this.c.logger.warn(enabled ? 'P2P restored by operator' : 'P2P cut by operator')
    this.updateGauges()
    return { p2p_enabled: t.running, message: enabled ? 'libp2p started' : 'libp2p stopped' }
  }

  // ---- HTTP ----

  private async servePull (req: SyncRequest): Promise<SyncBatch> {
    const limits = this.clampLimits(req)
    const records = this.c.ledger.missingFor(req.version_vector, limits.limit, limits.maxBytes)
    const vv = this.c.ledger.versionVector()
    const more = records.length > 0 && this.c.ledger.missingFor(advance(req.version_vector, records), 1).length > 0
    return { records: records.map(toWireRecord), more, version_vector: vv, peer_id: this.selfId }
  }

  private async acceptPush (records: LedgerRecord[]): Promise<PushResult> {
    const result = await this.applyRemote(records)
    if (result.applied.length > 0) {
      this.lastSync = this.clock()
      this.metrics.catchupRecords.inc({ transport: 'http' }, result.applied.length)
      // a node cut off from P2P delivered these over HTTP: relay them to my P2P peers at once
      // rather than leaving them to the next heartbeat's catch-up
      this.enqueueGossip(result.applied)
    }
    return { applied: result.applied.length, duplicates: result.duplicates, buffered: result.buffered, rejected: result.rejected.length, version_vector: this.c.ledger.versionVector() }
  }

  private async pollRound (): Promise<void> {
    const { ok, failed } = await this.poller.poll(() => this.started)
    const now = this.clock()
    this.lastHttpRound = { at: now, ok, failed }
    if (ok > 0) this.lastSync = now
  }

  // ---- time ----

  private tick (): void {
    if (!this.started) return
    const now = this.clock()
    this.applyStep(this.mode.tick(now))
    if (now >= this.nextHeartbeatAt) {
      this.nextHeartbeatAt = now + this.init.heartbeatIntervalMs
      this.heartbeat(now)
    }
    const view = this.mode.view()
    if (view.httpSyncEnabled && this.pollRunning === undefined && now >= this.nextPollAt) {
      this.nextPollAt = now + this.init.httpPollIntervalMs
      this.pollRunning = this.pollRound()
        .catch((err: Error) => { this.c.logger.error('http poll failed', { err: err.message }) })
        .finally(() => { this.pollRunning = undefined })
    }
    if (view.awaitingCatchup) this.nudgeRecovery(false)
    this.updateGauges()
  }

  /** Peers are back but HTTP is still on: catch up with them so the machine can recover. */
  private nudgeRecovery (force: boolean): void {
    const now = this.clock()
    if (!force && now - this.lastRecoveryNudge < this.init.heartbeatIntervalMs) return
    this.lastRecoveryNudge = now
    for (const p of this.transport?.peers() ?? []) this.triggerCatchup(p.peerId, 'recovery')
  }

  private heartbeat (now: number): void {
    this.lastHeartbeatTick = now
    const t = this.transport
    if (t === undefined || !t.running || !this.mode.view().gossipEnabled) return
    const ledger = this.c.ledger
    const body = { peerId: this.selfId, vvDigest: vvDigest(ledger.versionVector()), merkleRoot: ledger.merkleRoot(), recordCount: ledger.recordCount(), ts: now }
    void (async () => {
      await t.publish(encodeGossip({ type: 'heartbeat', heartbeat: await signHeartbeat(this.c.privateKey, body) }))
      this.metrics.gossipPublished.inc({ type: 'heartbeat' })
    })().catch((err: Error) => { this.c.logger.warn('heartbeat publish failed', { err: err.message }) })
  }

  private heartbeatActive (now: number): boolean {
    return heartbeatActive({ serviceStarted: this.started, lastHeartbeatTick: this.lastHeartbeatTick, now, heartbeatIntervalMs: this.init.heartbeatIntervalMs })
  }

  private applyStep (step: ModeStep): void {
    if (step.transition === 'failover') {
      this.metrics.failovers.inc()
      this.metrics.lastFailover.set(this.clock() / 1000)
      this.nextPollAt = this.clock()
      this.c.logger.warn('no peers for the peerless timeout: HTTP sync on', { timeout_ms: this.init.peerlessTimeoutMs })
    } else if (step.transition === 'recovery') {
      this.metrics.recoveries.inc()
      this.metrics.lastRecovery.set(this.clock() / 1000)
      this.c.logger.info('peers back and caught up: HTTP sync off')
    }
    this.updateGauges()
  }

  private updateGauges (): void {
    const view = this.mode.view()
    this.metrics.peers.set(view.peerCount)
    this.metrics.setMode(view.effective)
    this.metrics.httpSyncEnabled.set(view.httpSyncEnabled ? 1 : 0)
    this.metrics.heartbeatActive.set(this.heartbeatActive(this.clock()) ? 1 : 0)
    // A peer not heard from lately has no current verdict: drop its series rather than keep a stale one.
    const now = this.clock()
    for (const [peer, hb] of this.heartbeats) {
      if (!heartbeatFresh(hb, now, this.init.heartbeatIntervalMs)) this.metrics.peerDiverged.remove({ peer })
    }
  }

  private clampLimits (req: SyncRequest): BatchLimits {
    return {
      limit: Math.min(req.limit ?? this.limits.limit, this.limits.limit),
      maxBytes: Math.min(req.max_bytes ?? this.limits.maxBytes, this.limits.maxBytes)
    }
  }
}

export async function createSyncService (init: SyncInit, components: SyncComponents): Promise<SyncService> {
  const psk = init.p2pEnabled && init.pskFile !== undefined ? new Uint8Array(await readFile(init.pskFile)) : undefined
  const ca = init.caFile !== undefined && components.trust === undefined ? await readFile(init.caFile) : undefined
  return new HybridSyncService(init, components, psk, ca)
}
