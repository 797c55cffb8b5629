/**
 * Events on transitions (core/v1 Events, what `kubectl describe` shows), each also logged with the
 * resource keys. Fire-and-forget: failing to record an Event is logged and never fails a reconcile.
 * Callers emit only on transitions, so a steady network writes none.
 */
import { CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node'
import { withResource, type Logger } from '../../../packages/log/src/index.js'
import { errorMessage } from './errors.js'

export type EventType = 'Normal' | 'Warning'

export interface EventRecorder {
  event(obj: KubernetesObject, type: EventType, reason: string, message: string): void
  /** Wait for events in flight (tests, shutdown). */
  flush(): Promise<void>
}

export interface EventRecorderInit { component?: string, instance?: string }
export interface EventRecorderComponents {
  kubeConfig: KubeConfig
  logger: Logger
  onRequest?: (verb: 'create', kind: string) => void
}

class CoreEventRecorder implements EventRecorder {
  private readonly api: CoreV1Api
  private readonly pending = new Set<Promise<void>>()
  private seq = 0

  constructor (private readonly init: EventRecorderInit, private readonly c: EventRecorderComponents) {
    this.api = c.kubeConfig.makeApiClient(CoreV1Api)
  }

  event (obj: KubernetesObject, type: EventType, reason: string, message: string): void {
    const namespace = obj.metadata?.namespace ?? 'default'
    // Every Event is a transition worth a log line too (same fixed resource keys as all operator logs).
    const log = withResource(this.c.logger, { kind: obj.kind, metadata: { name: obj.metadata?.name, namespace } })
    if (type === 'Warning') log.warn(message, { reason })
    else log.info(message, { reason })
    const now = new Date()
    const name = `${obj.metadata?.name ?? 'object'}.${now.getTime().toString(16)}${(this.seq++).toString(16)}`
    this.c.onRequest?.('create', 'Event')
    const p = this.api.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name, namespace },
        involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name, namespace, uid: obj.metadata?.uid },
        type,
        reason,
        message: message.slice(0, 1024),
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        source: { component: this.init.component ?? 'lattice-operator' },
        reportingComponent: this.init.component ?? 'lattice-operator',
        reportingInstance: this.init.instance ?? 'lattice-operator'
      }
    }).then(() => {}, (err: unknown) => {
      log.warn('could not record event', { reason, err: errorMessage(err) })
    })
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
  }

  async flush (): Promise<void> { await Promise.all([...this.pending]) }
}

export function createEventRecorder (init: EventRecorderInit, components: EventRecorderComponents): EventRecorder {
  return new CoreEventRecorder(init, components)
}
