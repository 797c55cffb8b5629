import { Histogram, type Registry } from 'prom-client'

export interface ApiMetrics {
  requestDuration: Histogram<'method' | 'route' | 'status'>
}

export function createApiMetrics (registry: Registry): ApiMetrics {
  return {
    requestDuration: new Histogram({
      name: 'lattice_http_request_duration_seconds',
      help: 'REST API request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry]
    })
  }
}
