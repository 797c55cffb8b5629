/** The sync service's Prometheus metrics, registered on the registry passed in (never the global one). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { EffectiveMode } from './interface.js'
import { EFFECTIVE_MODES } from '../../../packages/contracts/src/node-api.js'
import type { SyncTransition } from './transitions.js'

export interface SyncMetrics {
  peers: Gauge
  mode: Gauge<'mode'>
  httpSyncEnabled: Gauge
  heartbeatActive: Gauge
  failovers: Counter
  silentPeers: Counter
  recoveries: Counter
  lastFailover: Gauge
  lastRecovery: Gauge
  propagation: Histogram
  catchupRecords: Counter<'transport'>
  catchupBytes: Counter<'transport'>
  catchupsAvoided: Counter
  httpRounds: Counter
  httpErrors: Counter
  tlsRejected: Counter<'reason'>
  rejected: Counter<'reason'>
  gossipPublished: Counter<'type'>
  peerDiverged: Gauge<'peer'>
  setMode: (mode: EffectiveMode) => void
}


export function createSyncMetrics (registry: Registry): SyncMetrics {
  const registers = [registry]
  const mode = new Gauge({ name: 'lattice_node_sync_mode', help: 'Effective sync mode (1 for the current one)', labelNames: ['mode'] as const, registers })
  const m: SyncMetrics = {
    peers: new Gauge({ name: 'lattice_node_peers', help: 'Connected libp2p peers', registers }),
    mode,
    httpSyncEnabled: new Gauge({ name: 'lattice_node_http_sync_enabled', help: '1 while HTTP sync polls the lattice nodes', registers }),
    heartbeatActive: new Gauge({ name: 'lattice_node_heartbeat_active', help: '1 while the heartbeat monitor runs and ticked recently', registers }),
    failovers: new Counter({ name: 'lattice_sync_failovers_total', help: 'Automatic switches to HTTP sync after the peerless timeout', registers }),
    silentPeers: new Counter({ name: 'lattice_p2p_silent_peers_total', help: 'Peers hung up because they stopped answering pings and sent nothing for three liveness intervals, at least 5 s (a silent partition)', registers }),
    recoveries: new Counter({ name: 'lattice_sync_recoveries_total', help: 'Automatic switches back to P2P after peers returned and caught up', registers }),
    lastFailover: new Gauge({ name: 'lattice_sync_last_failover_timestamp_seconds', help: 'Time of the last failover (0 if none)', registers }),
    lastRecovery: new Gauge({ name: 'lattice_sync_last_recovery_timestamp_seconds', help: 'Time of the last recovery (0 if none)', registers }),
    propagation: new Histogram({
      name: 'lattice_gossip_propagation_seconds',
      help: 'Origin timestamp of a gossiped record to its apply on this node',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers
    }),
    catchupRecords: new Counter({ name: 'lattice_catchup_records_total', help: 'Records applied from catch-up batches', labelNames: ['transport'] as const, registers }),
    catchupBytes: new Counter({ name: 'lattice_catchup_bytes_total', help: 'Compressed catch-up bytes received', labelNames: ['transport'] as const, registers }),
    httpRounds: new Counter({ name: 'lattice_http_sync_rounds_total', help: 'Completed HTTP sync rounds (one per lattice node)', registers }),
    httpErrors: new Counter({ name: 'lattice_http_sync_errors_total', help: 'Failed HTTP sync exchanges', registers }),
    tlsRejected: new Counter({ name: 'lattice_http_sync_tls_rejected_total', help: 'HTTP sync exchanges refused because the other node\'s certificate did not verify against the trusted CA bundle, by reason', labelNames: ['reason'] as const, registers }),
    rejected: new Counter({ name: 'lattice_p2p_rejected_messages_total', help: 'Gossip messages dropped, heartbeats and catch-up requests refused, by reason (records are judged by the ledger: lattice_ledger_rejected_records_total)', labelNames: ['reason'] as const, registers }),
    peerDiverged: new Gauge({ name: 'lattice_peer_diverged', help: '1 when the peer\'s state differs from this node\'s beyond the grace period (per peer heard from in the last three heartbeats)', labelNames: ['peer'] as const, registers }),
    catchupsAvoided: new Counter({ name: 'lattice_sync_catchups_avoided_total', help: 'Catch-ups not started because records were still in flight: heartbeats whose records arrived within the grace period (or held nothing this node lacked), gaps in gossip that closed within theirs', registers }),
    gossipPublished: new Counter({ name: 'lattice_gossip_published_total', help: 'Gossip published: records (counted per record) and heartbeats', labelNames: ['type'] as const, registers }),
    setMode: (current: EffectiveMode) => {
      for (const x of EFFECTIVE_MODES) mode.set({ mode: x }, x === current ? 1 : 0)
    }
  }
  m.lastFailover.set(0)
  m.lastRecovery.set(0)
  // Series from the start (0), so rates and dashboards have data before the first catch-up.
  for (const transport of ['p2p', 'http']) {
    m.catchupRecords.inc({ transport }, 0)
    m.catchupBytes.inc({ transport }, 0)
  }
  return m
}

/** Failovers and recoveries as counters and last-time gauges, from the transition events (transitions.ts). */
export function countTransition (m: SyncMetrics, e: SyncTransition): void {
  if (e.kind === 'failover') {
    m.failovers.inc()
    m.lastFailover.set(e.t / 1000)
  } else if (e.kind === 'recovery') {
    m.recoveries.inc()
    m.lastRecovery.set(e.t / 1000)
  }
}
