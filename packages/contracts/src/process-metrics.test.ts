import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { collectProcessMetrics, MISNAMED_DEFAULT_METRICS } from './process-metrics.js'

describe('collectProcessMetrics', () => {
  it('keeps the process metrics but no gauge named like a counter', async () => {
    const registry = new Registry()
    collectProcessMetrics(registry)
    const text = await registry.metrics()
    expect(text).toContain('# TYPE process_cpu_seconds_total counter')
    expect(text).toContain('# TYPE nodejs_active_handles gauge')
    for (const name of MISNAMED_DEFAULT_METRICS) expect(text).not.toContain(`${name} `)
    const gaugesTotal = [...text.matchAll(/^# TYPE (\w+_total) (\w+)$/gm)].filter(m => m[2] !== 'counter').map(m => m[1])
    expect(gaugesTotal).toEqual([])
  })
})
