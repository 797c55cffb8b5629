/**
 * The ledger's Prometheus metrics. Registered on the given registry; without one they still count
 * (unregistered), so the code paths are the same in tests and in the daemon.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export interface LedgerMetrics {
  records: Gauge
  writes: Counter
  commits: Counter
  writeLatency: Histogram
  storageErrors: Counter
  integrityOk: Gauge
  rejected: Counter<'reason'>
  equivocations: Counter
  buffered: Gauge
  commitBatchSize: Histogram
}

export function createLedgerMetrics (registry?: Registry): LedgerMetrics {
  const registers = registry === undefined ? [] : [registry]
  return {
    records: new Gauge({ name: 'lattice_ledger_records', help: 'Records in the local ledger', registers }),
    writes: new Counter({ name: 'lattice_ledger_writes_total', help: 'Records durably written (local appends and applied remote records)', registers }),
    commits: new Counter({ name: 'lattice_ledger_commits_total', help: 'SQLite transactions committed (one per group commit)', registers }),
    writeLatency: new Histogram({
      name: 'lattice_ledger_write_latency_seconds',
      help: 'Duration of one group commit transaction, BEGIN to durable COMMIT',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers
    }),
    storageErrors: new Counter({ name: 'lattice_ledger_storage_errors_total', help: 'Failed storage transactions and reads', registers }),
    integrityOk: new Gauge({ name: 'lattice_ledger_integrity_ok', help: '1 when the last integrity check passed, 0 otherwise', registers }),
    rejected: new Counter({ name: 'lattice_ledger_rejected_records_total', help: 'Remote records kept out of the state, by reason', labelNames: ['reason'] as const, registers }),
    equivocations: new Counter({ name: 'lattice_ledger_equivocations_total', help: 'Distinct records seen for an (origin, seq) that already had another', registers }),
    buffered: new Gauge({ name: 'lattice_ledger_buffered_records', help: 'Remote records waiting for an earlier seq of their origin', registers }),
    commitBatchSize: new Histogram({
      name: 'lattice_ledger_commit_batch_operations',
      help: 'Operations (append/ingest calls) written by one group commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers
    })
  }
}
