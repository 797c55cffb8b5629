/**
 * Every probe interval: probe every node that has a pod IP (bounded concurrency, timeouts in the
 * prober), then enqueue only the nodes whose status would change. So probing costs no API writes
 * while nothing changes.
 */
import type { Logger } from '../../../../packages/log/src/index.js'
import type { OperatorContext } from '../context.js'
import { objectKey } from '../../queue/key.js'
import { currentPod } from './pod.js'
import { desiredNodeStatus, probeTarget, statusChanged, trustBundle } from './status.js'
import { publishNodeMetrics } from './reconciler.js'

export interface ProbeLoop {
  start(): void
  stop(): Promise<void>
  /** Run one round now (tests, and right after start). */
  runOnce(): Promise<void>
}

export function createProbeLoop (ctx: OperatorContext, enqueue: (key: string) => void, logger: Logger): ProbeLoop {
  let timer: NodeJS.Timeout | undefined
  let running = false
  let round: Promise<void> | undefined

  async function runOnce (): Promise<void> {
    const nodes = ctx.caches.nodes.list().filter(n => n.metadata.deletionTimestamp === undefined)
    const work = nodes.map(n => ({ node: n, pod: currentPod(ctx, n) })).map(x => ({ ...x, target: probeTarget(x.node, x.pod, trustBundle(ctx, x.node)) }))
    const targets = work.flatMap(w => w.target !== undefined ? [w.target] : [])
    const results = await ctx.prober.probeAll(targets)
    // a replaced pod's or deleted node's last result would otherwise stay forever
    ctx.prober.retain(new Set(targets.map(t => t.key)))
    const byKey = new Map(targets.map((t, i) => [t.key, results[i]]))
    for (const w of work) {
      // A node deleted while its probe was in flight has had its series removed by its reconcile:
      // publishing now would bring them back for good.
      const still = ctx.caches.nodes.get(w.node.metadata.name ?? '', w.node.metadata.namespace)
      if (still === undefined || still.metadata.deletionTimestamp !== undefined) continue
      const probe = w.target !== undefined ? byKey.get(w.target.key) : undefined
      const next = desiredNodeStatus(w.node, w.pod, w.node.status?.peerId, probe, ctx.now())
      publishNodeMetrics(ctx, w.node, next.up === true, next)
      if (statusChanged(w.node, next)) enqueue(objectKey(w.node.metadata.namespace, w.node.metadata.name ?? ''))
    }
  }

  function schedule (): void {
    if (!running) return
    timer = setTimeout(() => {
      round = runOnce().catch((err: unknown) => { logger.warn('probe round failed', { err: err instanceof Error ? err.message : String(err) }) }).finally(schedule)
    }, ctx.config.probeIntervalMs)
  }

  return {
    start () { running = true; schedule() },
    async stop () { running = false; clearTimeout(timer); await round },
    runOnce
  }
}
