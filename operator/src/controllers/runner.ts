/**
 * Runs a reconcile function over a work queue: level-triggered (the key is all it gets; it reads the
 * world from the caches), errors retried with per-key backoff, success forgets the backoff, and a
 * reconcile may ask to be called again after a delay (timed conditions: grace periods, deadlines).
 */
import { resourceKeys, type Logger } from '../../../packages/log/src/index.js'
import type { ControllerName, OperatorMetrics } from '../metrics/metrics.js'
import { createWorkQueue, type WorkQueue } from '../queue/work-queue.js'
import { errorMessage } from '../kube/errors.js'
import { splitKey } from '../queue/key.js'

export interface ReconcileOutcome {
  /** Call again after this many ms even if nothing changes. */
  requeueAfterMs?: number
}

export type ReconcileFn = (key: string) => Promise<ReconcileOutcome | undefined>

export interface ControllerRunner {
  readonly name: ControllerName
  readonly queue: WorkQueue
  enqueue(key: string): void
  start(workers: number): void
  stop(): Promise<void>
}

export interface ControllerRunnerInit { name: ControllerName, kind: string }
export interface ControllerRunnerComponents {
  reconcile: ReconcileFn
  metrics: OperatorMetrics
  logger: Logger
  queue?: WorkQueue
}

class Runner implements ControllerRunner {
  readonly name: ControllerName
  readonly queue: WorkQueue
  private readonly workers: Array<Promise<void>> = []

  constructor (private readonly init: ControllerRunnerInit, private readonly c: ControllerRunnerComponents) {
    this.name = init.name
    this.queue = c.queue ?? createWorkQueue({ name: init.name })
  }

  enqueue (key: string): void {
    this.queue.add(key)
    this.c.metrics.queueDepth(this.name, this.queue.len())
  }

  start (workers: number): void {
    for (let i = 0; i < workers; i++) this.workers.push(this.work())
  }

  private async work (): Promise<void> {
    for (;;) {
      const key = await this.queue.get()
      if (key === undefined) return
      this.c.metrics.queueDepth(this.name, this.queue.len())
      const started = performance.now()
      const { namespace, name } = splitKey(key)
      try {
        const out = await this.c.reconcile(key)
        const seconds = (performance.now() - started) / 1000
        this.queue.forget(key)
        if (out?.requeueAfterMs !== undefined) {
          this.queue.addAfter(key, out.requeueAfterMs)
          this.c.metrics.reconcile(this.name, 'requeue', seconds)
        } else {
          this.c.metrics.reconcile(this.name, 'success', seconds)
        }
      } catch (err) {
        this.c.metrics.reconcile(this.name, 'error', (performance.now() - started) / 1000)
        this.c.logger.warn('reconcile failed; retrying with backoff', { ...resourceKeys(this.init.kind, namespace, name), err: errorMessage(err), retries: this.queue.retries(key) })
        this.queue.addRateLimited(key)
      } finally {
        this.queue.done(key)
      }
    }
  }

  async stop (): Promise<void> {
    this.queue.shutdown()
    await Promise.all(this.workers)
  }
}

export function createControllerRunner (init: ControllerRunnerInit, components: ControllerRunnerComponents): ControllerRunner {
  return new Runner(init, components)
}
