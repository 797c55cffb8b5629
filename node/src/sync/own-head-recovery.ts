/**
 * Own-head recovery: the sync service's part that keeps a node from writing before it knows its own
 * head (own-head.ts has the rules), keeps the marker file (own-head-marker.ts), counts the own records
 * recovered from peers and reports all of it: the status body's `recovery`, the health's
 * `persistence` component, metrics and logs.
 */
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Ledger, StoredRecord, VersionVector } from '../ledger/interface.js'
import type { Logger } from '../../../packages/log/src/index.js'
import type { RecoveryStatus } from './interface.js'
import { createOwnHeadMarker, readOwnHeadMarker, type OwnHeadMarker } from './own-head-marker.js'
import { OwnHeadGate, type ExpectedPeers, type OwnHeadSource } from './own-head.js'

export interface OwnHeadRecoveryInit {
  /** AETHEL_OWN_HEAD_TIMEOUT in ms: how long a node waits for peers before it writes alone. */
  timeoutMs: number
  /** The marker file (`<data dir>/own-head.json`); without one the gate has only the peers' word. */
  markerFile?: string
}

export interface OwnHeadRecoveryComponents {
  ledger: Pick<Ledger, 'origin' | 'versionVector' | 'on' | 'off'>
  /** The peers this node is configured to sync with, now (the peers file can change them). */
  expected: () => ExpectedPeers
  logger: Logger
  registry: Registry
  clock: () => number
}

export interface OwnHeadMetrics {
  recovering: Gauge
  missing: Gauge
  recovered: Counter
}

export function createOwnHeadMetrics (registry: Registry): OwnHeadMetrics {
  const registers = [registry]
  return {
    recovering: new Gauge({ name: 'lattice_own_head_recovering', help: '1 while the node refuses writes until it holds the highest seq of its own records that its peers hold', registers }),
    missing: new Gauge({ name: 'lattice_own_records_missing', help: 'Records of this node\'s own origin that peers (or its own-head marker) show and its ledger lacks: acknowledged records lost from its files', registers }),
    recovered: new Counter({ name: 'lattice_own_records_recovered_total', help: 'Records of this node\'s own origin recovered from peers after they were lost from its files', registers })
  }
}

/** Writes refused: the reason, for the 503 body and /readyz. */
export interface WriteRefusal { reason: string }

export class OwnHeadRecovery {
  private readonly c: OwnHeadRecoveryComponents
  private readonly gate: OwnHeadGate
  private readonly marker: OwnHeadMarker | undefined
  private readonly metrics: OwnHeadMetrics
  private readonly startedAt: number
  private recovered = 0
  /** Most own records seen missing at once (for the log line when writes open). */
  private worstMissing = 0
  private readonly onApplied: (records: StoredRecord[]) => void

  private constructor (c: OwnHeadRecoveryComponents, gate: OwnHeadGate, marker: OwnHeadMarker | undefined) {
    this.c = c
    this.gate = gate
    this.marker = marker
    this.metrics = createOwnHeadMetrics(c.registry)
    this.startedAt = c.clock()
    this.onApplied = (records) => {
      let head = 0
      for (const r of records) if (r.origin === c.ledger.origin && r.seq > head) head = r.seq
      if (head === 0) return
      this.gate.observeLocalHead(head)
      this.marker?.observe(head)
    }
    this.updateMetrics()
  }

  static async create (init: OwnHeadRecoveryInit, components: OwnHeadRecoveryComponents): Promise<OwnHeadRecovery> {
    const origin = components.ledger.origin
    const localHead = components.ledger.versionVector()[origin] ?? 0
    const markerSeq = init.markerFile !== undefined ? await readOwnHeadMarker(init.markerFile, origin) : undefined
    const gate = new OwnHeadGate({ timeoutMs: init.timeoutMs, localHead, ...(markerSeq !== undefined ? { markerSeq } : {}), now: components.clock() })
    const marker = init.markerFile !== undefined
      ? createOwnHeadMarker({ file: init.markerFile, origin, onError: (err) => { components.logger.warn('own-head marker not written', { err: err.message }) } }, Math.max(localHead, markerSeq ?? 0))
      : undefined
    if (markerSeq !== undefined && markerSeq > localHead) {
      components.logger.warn('the ledger holds fewer of this node\'s own records than this data directory acknowledged: recovering them from peers', { ledger_head: localHead, acknowledged: markerSeq })
    }
    return new OwnHeadRecovery(components, gate, marker)
  }

  start (): void {
    this.c.ledger.on('applied', this.onApplied)
    this.tick(this.c.clock())
  }

  async stop (): Promise<void> {
    this.c.ledger.off('applied', this.onApplied)
    await this.marker?.flush()
  }

  /** A peer's version vector (a P2P catch-up answer, an HTTP pull answer). */
  peerVector (source: OwnHeadSource, vv: VersionVector): void {
    this.gate.peerReported(source, vv[this.c.ledger.origin] ?? 0)
    this.tick(this.c.clock())
  }

  /** A sync exchange with a peer completed (everything it had for this node was offered). */
  peerSynced (source: OwnHeadSource): void {
    this.gate.peerSynced(source)
    this.tick(this.c.clock())
  }

  ignore (source: OwnHeadSource): void {
    this.gate.ignore(source)
  }

  /** Records applied from peers: own-origin ones were lost here and are now recovered. */
  remoteApplied (records: readonly StoredRecord[]): void {
    let own = 0
    for (const r of records) if (r.origin === this.c.ledger.origin) own++
    if (own === 0) return
    this.recovered += own
    // each was missing: an HTTP round applies them before its answer's vector reaches the gate
    this.worstMissing = Math.max(this.worstMissing, this.recovered)
    this.metrics.recovered.inc(own)
  }

  /** Whether writes may proceed now; a refusal carries its reason. */
  refusal (): WriteRefusal | undefined {
    const v = this.gate.view()
    return v.recovering ? { reason: v.reason } : undefined
  }

  /**
   * Ask the HTTP nodes too: while recovering, at once when P2P cannot answer, else after a grace that
   * lets a P2P catch-up answer first (the records come once, not from both transports).
   */
  wantsHttpProbe (now: number, p2pUsable: boolean): boolean {
    if (!this.gate.view().recovering) return false
    return !p2pUsable || now - this.startedAt >= 2000
  }

  tick (now: number): void {
    const before = this.gate.view()
    const transition = this.gate.evaluate(now, this.c.expected())
    const v = this.gate.view()
    this.worstMissing = Math.max(this.worstMissing, v.missing)
    if (v.missing > before.missing && v.missing > 0) {
      this.c.logger.warn('records of this node are missing from its ledger: peers hold them; recovering them before writing', { own_head: v.ownHead, peer_head: v.peerHead, missing: v.missing })
    }
    if (transition === 'opened') {
      this.c.logger.info('own head known: writes accepted', { own_head: v.ownHead, reason: v.reason, missing_seen: this.worstMissing, recovered: this.recovered, ms: now - this.startedAt })
    } else if (transition === 'closed') {
      this.c.logger.warn('writes refused: peers hold more of this node\'s records than its ledger', { own_head: v.ownHead, peer_head: v.peerHead })
    }
    this.updateMetrics()
  }

  status (): RecoveryStatus {
    const v = this.gate.view()
    return {
      recovering: v.recovering,
      reason: v.reason,
      own_head: v.ownHead,
      peer_head: v.peerHead,
      missing_records: v.missing,
      missing_detected: this.worstMissing,
      recovered_records: this.recovered,
      since: v.since !== null ? new Date(v.since).toISOString() : null
    }
  }

  private updateMetrics (): void {
    const v = this.gate.view()
    this.metrics.recovering.set(v.recovering ? 1 : 0)
    this.metrics.missing.set(v.missing)
  }
}
