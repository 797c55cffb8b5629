import { describe, expect, it } from '@jest/globals'
import { createSilentLogger } from '../../../packages/log/src/index.js'
import { createOperatorMetrics } from '../metrics/metrics.js'
import { createRateLimiter } from '../queue/rate-limiter.js'
import { createWorkQueue } from '../queue/work-queue.js'
import { createControllerRunner } from './runner.js'

async function until (cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

describe('controller runner', () => {
  it('retries a failing key with backoff until it succeeds, and counts results', async () => {
    const metrics = createOperatorMetrics()
    let calls = 0
    const runner = createControllerRunner({ name: 'latticenetwork', kind: 'LatticeNetwork' }, {
      reconcile: async () => { calls++; if (calls < 3) throw new Error('boom'); return undefined },
      metrics,
      logger: createSilentLogger(),
      queue: createWorkQueue({}, { rateLimiter: createRateLimiter({ baseMs: 1 }) })
    })
    runner.start(1)
    runner.enqueue('ns/a')
    await until(() => calls === 3)
    await until(() => runner.queue.retries('ns/a') === 0)
    const text = await metrics.text()
    expect(text).toContain('lattice_operator_reconcile_total{controller="latticenetwork",result="error"} 2')
    expect(text).toContain('lattice_operator_reconcile_total{controller="latticenetwork",result="success"} 1')
    expect(text).toContain('lattice_operator_reconcile_errors_total{controller="latticenetwork"} 2')
    await runner.stop()
  })
  it('calls again after requeueAfterMs, and never runs one key on two workers at once', async () => {
    const metrics = createOperatorMetrics()
    let calls = 0
    let active = 0
    let maxActive = 0
    const runner = createControllerRunner({ name: 'latticenode', kind: 'LatticeNode' }, {
      reconcile: async () => {
        calls++
        active++
        maxActive = Math.max(maxActive, active)
        await new Promise(resolve => setTimeout(resolve, 20))
        active--
        return calls === 1 ? { requeueAfterMs: 10 } : undefined
      },
      metrics,
      logger: createSilentLogger()
    })
    runner.start(4)
    runner.enqueue('ns/n')
    runner.enqueue('ns/n')
    await until(() => calls >= 2)
    for (let i = 0; i < 5; i++) runner.enqueue('ns/n')
    await until(() => calls >= 3)
    expect(maxActive).toBe(1)
    expect(await metrics.text()).toContain('lattice_operator_reconcile_total{controller="latticenode",result="requeue"} 1')
    await runner.stop()
  })
})
