/**
 * The hybrid sync service: composes the P2P transport, gossip, peer heartbeats, catch-up, the HTTP
 * poller and the mode machine, and turns the machine's steps into transition events.
 *
 * One 100 ms ticker drives time: it feeds the mode machine (failover after the peerless timeout),
 * publishes this node's heartbeat every interval and starts HTTP rounds every poll interval while HTTP
 * sync is on. Events drive the rest: a local append is gossiped, a gossiped record is ingested, a gap /
 * a differing heartbeat / a new connection starts a P2P catch-up.
 */
import { readFile } from 'node:fs/promises'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { LedgerRecord, StoredRecord } from '../ledger/interface.js'
import { throttleWarnings } from '../util/log-throttle.js'
import { CatchUp } from './catchup.js'
import type { GossipMessage, SyncBatch, SyncRequest } from './codec.js'
import type { SyncContext } from './context.js'
import { InvalidSyncModeError } from './errors.js'
import { Gossip } from './gossip.js'
import { HttpSyncClient } from './http/client.js'
import { HttpPoller } from './http/poller.js'
import type { SyncComponents, SyncInit } from './init.js'
import type { P2PStatus, P2PSwitchResult, PushResult, RecoveryStatus, SwitchResult, SyncHealth, SyncModeSetting, SyncService } from './interface.js'
import { countTransition, createSyncMetrics, type SyncMetrics } from './metrics.js'
import { ModeMachine, type ModeStep, type ModeView } from './mode.js'
import { PeerHeartbeats } from './peer-heartbeats.js'
import { createP2PTransport } from './p2p-wiring.js'
import type { P2PTransport } from './p2p/transport.js'
import { DEFAULT_BATCH_LIMITS, type BatchLimits } from './reconcile.js'
import { buildHealth, buildStatus, heartbeatActive, type SyncSnapshot } from './status.js'
import { TransitionFeed, transitionsOf, type TransitionListener } from './transitions.js'
import { OwnHeadRecovery } from './own-head-recovery.js'
import { peerIdOfMultiaddr } from '../../../packages/contracts/src/peers-file.js'
import { SYNC_MODE_SETTINGS } from '../../../packages/contracts/src/node-api.js'

const TICK_MS = 100
/** AETHEL_OWN_HEAD_TIMEOUT's default: how long a node waits for its peers before it writes alone. */
export const DEFAULT_OWN_HEAD_TIMEOUT_MS = 10_000

class HybridSyncService implements SyncService {
  private readonly clock: () => number
  private readonly selfId: string
  private readonly metrics: SyncMetrics
  private mode: ModeMachine
  /** The machine's view after the last step: what the next step's transitions are measured against. */
  private view: ModeView
  private readonly transitions: TransitionFeed
  private readonly http: HttpSyncClient
  private readonly poller: HttpPoller
  private readonly gossip: Gossip
  private readonly heartbeats: PeerHeartbeats
  private readonly catchup: CatchUp
  private readonly transport: P2PTransport | undefined
  private ticker: NodeJS.Timeout | undefined
  private started = false
  private lastHeartbeatTick: number | null = null
  private nextHeartbeatAt = 0
  private nextPollAt = 0
  private pollRunning: Promise<void> | undefined
  private lastSync: number | null = null
  private lastHttpRound: { at: number, ok: number, failed: number } | null = null
  private readonly onApplied = (records: StoredRecord[]): void => { this.gossip.publish(records.filter(r => r.origin === this.selfId)) }
  private readonly onPeersChange = (): void => {
    this.transport?.peersChanged().catch((err: Error) => { this.c.logger.warn('libp2p restart for a new gossip topology failed', { err: err.message }) })
  }

  /** Refuses writes until the node holds the highest seq of its own records its peers hold (own-head.ts). */
  private readonly ownHead: OwnHeadRecovery

  constructor (private readonly init: SyncInit, private readonly c: SyncComponents, psk: Uint8Array | undefined, ca: Buffer | undefined, ownHead: OwnHeadRecovery) {
    this.ownHead = ownHead
    this.clock = c.clock ?? Date.now
    this.selfId = peerIdFromPrivateKey(c.privateKey).toString()
    this.metrics = createSyncMetrics(c.registry)
    this.mode = new ModeMachine({ setting: init.mode, peerlessTimeoutMs: init.peerlessTimeoutMs, now: this.clock() })
    this.view = this.mode.view()
    this.transitions = new TransitionFeed((err) => { c.logger.warn('sync transition listener threw', { err: err.message }) })
    // The metrics hear transitions from the same feed as the dashboard.
    this.transitions.on('transition', (e) => { countTransition(this.metrics, e) })
    const limits: BatchLimits = { limit: init.batchLimit ?? DEFAULT_BATCH_LIMITS.limit, maxBytes: init.batchMaxBytes ?? DEFAULT_BATCH_LIMITS.maxBytes }
    const timeoutMs = init.requestTimeoutMs ?? 15_000
    const ctx: SyncContext = {
      selfId: this.selfId,
      ledger: c.ledger,
      metrics: this.metrics,
      logger: c.logger,
      peerWarnings: throttleWarnings(c.logger),
      heartbeatIntervalMs: init.heartbeatIntervalMs,
      clock: this.clock,
      p2p: () => this.transport !== undefined && this.transport.running && this.mode.view().gossipEnabled ? this.transport : undefined,
      active: () => this.started,
      synced: () => { this.lastSync = this.clock() }
    }
    const isMember = (peerId: string): boolean => c.peers.isMember(peerId)
    this.catchup = new CatchUp(ctx, {
      limits,
      isMember,
      completed: () => { this.applyStep(this.mode.catchupCompleted(this.clock())) },
      ownHead: {
        peerVector: (peerId, vv) => { ownHead.peerVector({ transport: 'p2p', peerId }, vv) },
        peerSynced: (peerId) => { ownHead.peerSynced({ transport: 'p2p', peerId }) },
        remoteApplied: (records) => { ownHead.remoteApplied(records) }
      }
    })
    const catchUp = (peerId: string, reason: 'gap' | 'heartbeat'): void => { this.catchup.trigger(peerId, reason) }
    this.gossip = new Gossip(ctx, { privateKey: c.privateKey, catchUp, applied: (records) => { ownHead.remoteApplied(records) } })
    this.heartbeats = new PeerHeartbeats(ctx, { isMember, catchUp })
    this.http = new HttpSyncClient({ token: c.apiToken, ca: c.trust ?? ca, timeoutMs, limits })
    this.poller = new HttpPoller({
      client: this.http,
      selfPeerId: this.selfId,
      nodes: () => c.peers.latticeNodes(),
      source: c.ledger,
      apply: async (records) => {
        const result = await c.ledger.ingest(records)
        ownHead.remoteApplied(result.applied)
        return result
      },
      onRound: (r) => {
        const source = { transport: 'http', url: r.url } as const
        if (r.self) { ownHead.ignore(source); return }
        if (r.versionVector !== undefined) ownHead.peerVector(source, r.versionVector)
        ownHead.peerSynced(source)
      },
      metrics: this.metrics,
      logger: c.logger
    })
    this.transport = init.p2pEnabled
      ? createP2PTransport(init, c, psk, timeoutMs, ctx, {
        onGossip: (msg, from) => { this.onGossip(msg, from) },
        onPeerConnected: (peerId) => { this.catchup.trigger(peerId, 'connect') },
        onPeersChanged: (count, since) => { this.applyStep(this.mode.peers(count, since)) },
        serve: (req, from) => this.catchup.serve(req, from)
      })
      : undefined
    this.updateGauges()
  }

  on (event: 'transition', listener: TransitionListener): void { this.transitions.on(event, listener) }
  off (event: 'transition', listener: TransitionListener): void { this.transitions.off(event, listener) }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.c.ledger.on('applied', this.onApplied)
    this.c.peers.on('change', this.onPeersChange)
    this.ownHead.start()
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
    await this.catchup.settled()
    await this.gossip.settled()
    await this.ownHead.stop()
    this.http.close()
    this.updateGauges()
  }

  status (): P2PStatus { return buildStatus(this.snapshot()) }
  health (): SyncHealth { return buildHealth(this.snapshot()) }
  recovery (): RecoveryStatus { return this.ownHead.status() }

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
      heartbeats: this.heartbeats.byPeer,
      merkleRoot: this.c.ledger.merkleRoot(),
      recordCount: this.c.ledger.recordCount(),
      lastSync: this.lastSync,
      lastHeartbeatTick: this.lastHeartbeatTick,
      heartbeatIntervalMs: this.init.heartbeatIntervalMs,
      latticeNodes: this.c.peers.latticeNodes().length,
      lastHttpRound: this.lastHttpRound,
      recovery: this.ownHead.status()
    }
  }

  switchMode (mode: SyncModeSetting): SwitchResult {
    if (!SYNC_MODE_SETTINGS.includes(mode)) throw new InvalidSyncModeError(String(mode))
    const before = this.mode.view().setting
    const step = this.mode.switch(mode, this.clock())
    this.applyStep(step)
    this.c.logger.info('sync mode switched', { from: before, to: mode, effective: step.view.effective })
    if (step.view.awaitingCatchup) this.catchup.nudgeRecovery(true)
    return { success: true, message: `sync mode ${mode} (effective ${step.view.effective}${step.view.httpSyncEnabled ? ', HTTP sync on' : ''})`, mode }
  }

  async pull (req: SyncRequest): Promise<SyncBatch> { return this.catchup.pull(req) }

  async push (records: LedgerRecord[]): Promise<PushResult> {
    const result = await this.c.ledger.ingest(records)
    this.ownHead.remoteApplied(result.applied)
    if (result.applied.length > 0) {
      this.lastSync = this.clock()
      this.metrics.catchupRecords.inc({ transport: 'http' }, result.applied.length)
      // a node cut off from P2P delivered these over HTTP: relay them to my P2P peers at once
      // rather than leaving them to the next heartbeat's catch-up
      this.gossip.publish(result.applied)
    }
    return { applied: result.applied.length, duplicates: result.duplicates, buffered: result.buffered, rejected: result.rejected.length, version_vector: this.c.ledger.versionVector() }
  }

  async setP2PEnabled (enabled: boolean): Promise<P2PSwitchResult> {
    const t = this.transport
    if (t === undefined) return { p2p_enabled: false, message: 'P2P is disabled by configuration (AETHEL_P2P_ENABLED=false)' }
    if (enabled) await t.start()
    else await t.stop()
    this.c.logger.warn(enabled ? 'P2P restored by operator' : 'P2P cut by operator')
    this.updateGauges()
    return { p2p_enabled: t.running, message: enabled ? 'libp2p started' : 'libp2p stopped' }
  }

  private onGossip (msg: GossipMessage, from: string): void {
    if (!this.mode.view().gossipEnabled) return
    if (msg.type === 'heartbeat') this.heartbeats.receive(msg.heartbeat, from)
    else this.gossip.receive(msg.records, from)
  }

  private tick (): void {
    if (!this.started) return
    const now = this.clock()
    this.applyStep(this.mode.tick(now))
    if (now >= this.nextHeartbeatAt) {
      this.nextHeartbeatAt = now + this.init.heartbeatIntervalMs
      this.lastHeartbeatTick = now
      this.gossip.heartbeat(now)
    }
    this.ownHead.tick(now)
    this.heartbeats.checkLeads(now)
    this.gossip.checkGap(now)
    const view = this.mode.view()
    // HTTP rounds run while HTTP sync is on, and while the node asks for its own head and P2P has not answered
    const p2pUsable = this.transport?.running === true && view.gossipEnabled && this.c.peers.bootstrap().length > 0
    if ((view.httpSyncEnabled || this.ownHead.wantsHttpProbe(now, p2pUsable)) && this.pollRunning === undefined && now >= this.nextPollAt) {
      this.nextPollAt = now + this.init.httpPollIntervalMs
      this.pollRunning = this.pollRound()
        .catch((err: Error) => { this.c.logger.error('http poll failed', { err: err.message }) })
        .finally(() => { this.pollRunning = undefined })
    }
    if (view.awaitingCatchup) this.catchup.nudgeRecovery(false)
    this.updateGauges()
  }

  private async pollRound (): Promise<void> {
    const { ok, failed } = await this.poller.poll(() => this.started)
    const now = this.clock()
    this.lastHttpRound = { at: now, ok, failed }
    if (ok > 0) this.lastSync = now
  }

  /** Every mode step goes through here: its transitions are emitted once, to metrics and listeners alike. */
  private applyStep (step: ModeStep): void {
    const now = this.clock()
    const events = transitionsOf(this.view, step, now)
    this.view = step.view
    if (step.transition === 'failover') {
      this.nextPollAt = now
      this.c.logger.warn('no peers for the peerless timeout: HTTP sync on', { timeout_ms: this.init.peerlessTimeoutMs })
    } else if (step.transition === 'recovery') {
      this.c.logger.info('peers back and caught up: HTTP sync off')
    }
    for (const e of events) this.transitions.emit(e)
    this.updateGauges()
  }

  private updateGauges (): void {
    const view = this.mode.view()
    const now = this.clock()
    this.metrics.peers.set(view.peerCount)
    this.metrics.setMode(view.effective)
    this.metrics.httpSyncEnabled.set(view.httpSyncEnabled ? 1 : 0)
    this.metrics.heartbeatActive.set(heartbeatActive({ serviceStarted: this.started, lastHeartbeatTick: this.lastHeartbeatTick, now, heartbeatIntervalMs: this.init.heartbeatIntervalMs }) ? 1 : 0)
    this.heartbeats.dropStaleVerdicts(now)
  }
}

export async function createSyncService (init: SyncInit, components: SyncComponents): Promise<SyncService> {
  const psk = init.p2pEnabled && init.pskFile !== undefined ? new Uint8Array(await readFile(init.pskFile)) : undefined
  const ca = init.caFile !== undefined && components.trust === undefined ? await readFile(init.caFile) : undefined
  const ownHead = await OwnHeadRecovery.create({
    timeoutMs: init.ownHeadTimeoutMs ?? DEFAULT_OWN_HEAD_TIMEOUT_MS,
    ...(init.ownHeadMarkerFile !== undefined ? { markerFile: init.ownHeadMarkerFile } : {})
  }, {
    ledger: components.ledger,
    // the configured peers: P2P ones only while libp2p is configured, HTTP nodes always
    expected: () => ({
      p2p: init.p2pEnabled ? components.peers.bootstrap().map(peerIdOfMultiaddr).filter((id): id is string => id !== undefined) : [],
      http: components.peers.latticeNodes()
    }),
    logger: components.logger,
    registry: components.registry,
    clock: components.clock ?? Date.now
  })
  return new HybridSyncService(init, components, psk, ca, ownHead)
}
