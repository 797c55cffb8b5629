import type { Ledger, IntegrityReport } from '../ledger/interface.js'
import type { SyncService, ComponentHealth, RecoveryStatus } from '../sync/interface.js'
import type { HealthBody } from '../../../packages/contracts/src/node-api.js'

/**
 * The integrity report, and the node's own records its peers hold and its files lost: `degraded` with
 * the count while any are missing (own-head recovery brings them back), `recovered_records` since start.
 */
export function persistenceHealth (report: IntegrityReport | undefined, recovery: RecoveryStatus): ComponentHealth {
  const base: ComponentHealth = report === undefined ? { status: 'healthy', checked: false } : { ...report }
  const lost = { missing_records: recovery.missing_records, recovered_records: recovery.recovered_records }
  if (recovery.missing_records > 0 && base.status === 'healthy') return { ...base, ...lost, status: 'degraded' }
  return { ...base, ...lost }
}

/** `GET /api/lattice/health` in the seed's shape: a component is bad when its status is `unhealthy` or `degraded`. */
export function healthReport (ledger: Ledger, sync: SyncService, now: Date = new Date()): HealthBody {
  const status = sync.status()
  const components = { ...sync.health(), persistence: persistenceHealth(ledger.lastIntegrity(), sync.recovery()) }
  const unhealthy = Object.entries(components).filter(([, c]) => c.status === 'unhealthy' || c.status === 'degraded').map(([name]) => name)
  return {
    timestamp: now.toISOString(),
    overall: unhealthy.length === 0 ? 'healthy' : 'degraded',
    components,
    metrics: {
      record_count: ledger.recordCount(),
      buffered_records: ledger.bufferedCount(),
      merkle_root: ledger.merkleRoot(),
      peer_count: status.peer_count,
      mode: status.mode,
      last_sync: status.last_sync,
      uptime_seconds: Math.round(process.uptime())
    },
    unhealthy_components: unhealthy
  }
}

/**
 * Whether the stored data can be vouched for: the file, the Merkle root and every signature check out.
 * An equivocating origin also makes the report unhealthy, but that is another node's misbehaviour: it
 * is shown in health and metrics and must not take every honest node out of service.
 */
export function storageIntact (report: IntegrityReport | undefined): boolean {
  return report === undefined || (report.sqlite_ok && report.merkle_ok && report.signatures_ok)
}

/** Reasons the node must not take traffic: it would serve data it cannot vouch for. */
export function notReadyReasons (ledger: Ledger, started: boolean, recovery?: RecoveryStatus): string[] {
  const reasons: string[] = []
  if (!started) reasons.push('starting')
  if (recovery?.recovering === true) reasons.push(`recovering: ${recovery.reason}`)
  const integrity = ledger.lastIntegrity()
  if (!storageIntact(integrity)) reasons.push(`persistence integrity check failed: ${integrity!.errors.join('; ')}`)
  return reasons
}
