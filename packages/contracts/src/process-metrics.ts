/**
 * prom-client's default process and Node.js metrics, minus the three gauges whose names end in `_total`
 * (`nodejs_active_{handles,requests,resources}_total`): Prometheus reserves that suffix for counters and
 * `promtool check metrics` rejects them. The same totals are the sums of the labelled
 * `nodejs_active_handles`, `nodejs_active_requests` and `nodejs_active_resources`, which stay.
 * Both programs expose them (the monitoring rules and dashboards read the same names from each).
 */
import { collectDefaultMetrics, type Registry } from 'prom-client'

export const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const

export function collectProcessMetrics (registry: Registry): void {
  collectDefaultMetrics({ register: registry })
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name)
}
