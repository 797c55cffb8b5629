/**
 * An informer that keeps going: @kubernetes/client-node's informer re-lists on 410 but stops on any
 * other error and stays stopped. This wrapper starts it again with exponential backoff (1 s doubling
 * to 30 s, reset when the watch connects) and counts restarts.
 */
import { KubeConfig, KubernetesObjectApi, makeInformer, type Informer, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node'
import type { Logger } from '../../../packages/log/src/index.js'

export interface ResourceSpec {
  apiVersion: string
  kind: string
  /** Lower-case plural of the kind (the URL segment). */
  plural: string
}

export interface ResourceInformerInit {
  resource: ResourceSpec
  /** Watch one namespace; undefined = all namespaces. */
  namespace?: string
  labelSelector?: string
  restartBaseMs?: number
  restartMaxMs?: number
}

export interface ResourceInformerComponents {
  kubeConfig: KubeConfig
  logger: Logger
  onRestart?: (kind: string) => void
  onRequest?: (verb: 'list', kind: string) => void
}

export interface InformerHandlers<T> {
  add?: (obj: T) => void
  update?: (obj: T) => void
  delete?: (obj: T) => void
}

export interface ResourceInformer<T extends KubernetesObject> {
  readonly kind: string
  start(): Promise<void>
  stop(): Promise<void>
  on(handlers: InformerHandlers<T>): void
  get(name: string, namespace?: string): T | undefined
  list(namespace?: string): T[]
  /** The first list completed. */
  readonly synced: boolean
  readonly restarts: number
}

export function resourcePath (r: ResourceSpec, namespace?: string): string {
  const base = r.apiVersion.includes('/') ? `/apis/${r.apiVersion}` : `/api/${r.apiVersion}`
  return namespace !== undefined ? `${base}/namespaces/${namespace}/${r.plural}` : `${base}/${r.plural}`
}

class RestartingInformer<T extends KubernetesObject> implements ResourceInformer<T> {
  private readonly inner: Informer<T> & ObjectCache<T>
  private readonly logger: Logger
  private readonly baseMs: number
  private readonly maxMs: number
  private backoffMs: number
  private timer: NodeJS.Timeout | undefined
  private running = false
  synced = false
  restarts = 0
  readonly kind: string

  constructor (init: ResourceInformerInit, private readonly components: ResourceInformerComponents) {
    this.kind = init.resource.kind
    this.logger = components.logger
    this.baseMs = init.restartBaseMs ?? 1000
    this.maxMs = init.restartMaxMs ?? 30_000
    this.backoffMs = this.baseMs
    const objects = KubernetesObjectApi.makeApiClient(components.kubeConfig)
    const { apiVersion, kind } = init.resource
    const listFn = async (): Promise<{ apiVersion?: string, kind?: string, metadata?: { resourceVersion?: string }, items: T[] }> => {
      components.onRequest?.('list', kind)
      const res = await objects.list<T>(apiVersion, kind, init.namespace, undefined, undefined, undefined, undefined, init.labelSelector)
      // The list API leaves apiVersion/kind off the items; the cache hands them to controllers as they are.
      for (const item of res.items) { item.apiVersion ??= apiVersion; item.kind ??= kind }
      return res
    }
    this.inner = makeInformer<T>(components.kubeConfig, resourcePath(init.resource, init.namespace), listFn, init.labelSelector)
    this.inner.on('error', (err?: unknown) => { this.onError(err) })
    this.inner.on('connect', () => { this.backoffMs = this.baseMs })
  }

  private onError (err: unknown): void {
    if (!this.running) return
    this.restarts++
    this.components.onRestart?.(this.kind)
    const delay = this.backoffMs
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxMs)
    this.logger.warn('informer stopped; restarting', { resource_kind: this.kind, delay_ms: delay, err: err instanceof Error ? err.message : String(err) })
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { void this.startInner() }, delay)
  }

  private async startInner (): Promise<void> {
    if (!this.running) return
    try {
      await this.inner.start()
      this.synced = true
    } catch (err) {
      this.onError(err)
    }
  }

  async start (): Promise<void> {
    this.running = true
    await this.startInner()
  }

  async stop (): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    await this.inner.stop()
  }

  on (h: InformerHandlers<T>): void {
    if (h.add !== undefined) this.inner.on('add', h.add)
    if (h.update !== undefined) this.inner.on('update', h.update)
    if (h.delete !== undefined) this.inner.on('delete', h.delete)
  }

  get (name: string, namespace?: string): T | undefined { return this.inner.get(name, namespace) }
  list (namespace?: string): T[] { return [...this.inner.list(namespace)] }
}

export function createResourceInformer<T extends KubernetesObject> (init: ResourceInformerInit, components: ResourceInformerComponents): ResourceInformer<T> {
  return new RestartingInformer<T>(init, components)
}
