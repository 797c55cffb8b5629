/** Prometheus metrics of the node's TLS files, registered on the registry passed in. */
import { Counter, Gauge, type Registry } from 'prom-client'

export interface TlsMetrics {
  /** Reloads by file set (serving | trust) and result (ok | error). */
  reloads: Counter<'files' | 'result'>
  /** notAfter of the serving certificate, seconds since the epoch. */
  certificateExpiry: Gauge
}

export function createTlsMetrics (registry: Registry): TlsMetrics {
  const registers = [registry]
  return {
    reloads: new Counter({ name: 'lattice_tls_reloads_total', help: 'TLS file reloads after a change, by file set (serving, trust) and result (ok, error)', labelNames: ['files', 'result'] as const, registers }),
    certificateExpiry: new Gauge({ name: 'lattice_tls_certificate_expiry_timestamp_seconds', help: 'notAfter of the certificate the node serves', registers })
  }
}
