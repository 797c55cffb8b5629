/**
 * An in-memory API server for the operator's unit tests (CloudNativePG's fake client): objects by
 * kind, the operator's `KubeClient` over them, informer caches fed by every change, and a record of
 * each write the operator makes (verb, object, body) so a test asserts decisions: what is written,
 * in which order, and that nothing is written when nothing changed.
 *
 * It keeps the API server's rules the reconcilers rely on: create of an existing name is 409,
 * a merge patch is RFC 7386, a `metadata.resourceVersion` in a patch is a precondition (409),
 * status goes only through the status subresource of the two custom kinds, delete of an object with
 * finalizers marks it terminating, removing the last finalizer of a terminating object deletes it.
 * The caches hold what the operator's informers would (children only with the managed-by label) and
 * can be held back (`holdCaches`) to play a cache that lags the server. No garbage collector, kubelet
 * or scheduler runs: `collectGarbage`, `setStatus`, `put` and `remove` play them when a test needs it.
 * The e2e suites (test/operator) run the same reconcilers against the real kube-apiserver.
 */
import type { KubernetesObject } from '@kubernetes/client-node'
import { LABEL_MANAGED_BY, MANAGED_BY, NETWORK_KIND, NODE_KIND } from '../../../../operator/src/api/constants.js'
import { UnsupportedStatusKindError, type DeleteOptions, type KubeClient, type ObjectRef } from '../../../../operator/src/kube/client.js'
import type { InformerHandlers, ResourceInformer } from '../../../../operator/src/kube/informer.js'
import type { Caches } from '../../../../operator/src/controllers/context.js'

export type WriteVerb = 'create' | 'patch' | 'patchStatus' | 'delete'

export interface RecordedWrite {
  verb: WriteVerb
  kind: string
  namespace: string
  name: string
  /** The created object, the merge patch, the status patch; undefined for delete. */
  body?: unknown
}

export interface RecordedRead { verb: 'get' | 'list', kind: string, namespace: string, name?: string }

/** What @kubernetes/client-node's ApiException carries: a numeric `code` and the Status body. */
export class FakeApiError extends Error {
  readonly code: number
  readonly body: { kind: 'Status', code: number, reason: string, message: string }
  constructor (code: number, reason: string, message: string) {
    super(message)
    this.name = 'FakeApiError'
    this.code = code
    this.body = { kind: 'Status', code, reason, message }
  }
}

type Obj = KubernetesObject & { metadata: NonNullable<KubernetesObject['metadata']> } & Record<string, unknown>

const STATUS_KINDS: ReadonlySet<string> = new Set([NETWORK_KIND, NODE_KIND, 'Pod'])
const CUSTOM_KINDS: ReadonlySet<string> = new Set([NETWORK_KIND, NODE_KIND])
const CACHE_OF: Record<string, keyof Caches> = {
  [NETWORK_KIND]: 'networks',
  [NODE_KIND]: 'nodes',
  Pod: 'pods',
  Service: 'services',
  Secret: 'secrets',
  ConfigMap: 'configMaps',
  PersistentVolumeClaim: 'pvcs',
  PodDisruptionBudget: 'pdbs',
  NetworkPolicy: 'networkPolicies'
}

const keyOf = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ''}/${name ?? ''}`
const clone = <T>(v: T): T => structuredClone(v)

/** RFC 7386 JSON merge patch. */
export function mergePatch (target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch)
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else if (v !== undefined) out[k] = mergePatch(out[k], v)
  }
  return out
}

function matchesSelector (obj: KubernetesObject, selector: string | undefined): boolean {
  if (selector === undefined || selector === '') return true
  return selector.split(',').every(term => {
    const [k, v] = term.split('=')
    return k !== undefined && obj.metadata?.labels?.[k] === v
  })
}

/** One informer cache: what the operator's informer of that kind would hold, with its handlers. */
export class FakeInformer<T extends KubernetesObject> implements ResourceInformer<T> {
  readonly synced = true
  readonly restarts = 0
  private readonly objects = new Map<string, T>()
  private readonly handlers: Array<InformerHandlers<T>> = []
  constructor (readonly kind: string) {}
  async start (): Promise<void> {}
  async stop (): Promise<void> {}
  on (h: InformerHandlers<T>): void { this.handlers.push(h) }
  get (name: string, namespace?: string): T | undefined { return this.objects.get(keyOf(namespace, name)) }
  list (namespace?: string): T[] { return [...this.objects.values()].filter(o => namespace === undefined || o.metadata?.namespace === namespace) }

  /** Apply a change as the watch would deliver it. */
  deliver (type: 'add' | 'update' | 'delete', obj: T): void {
    const key = keyOf(obj.metadata?.namespace, obj.metadata?.name)
    if (type === 'delete') this.objects.delete(key)
    else this.objects.set(key, obj)
    for (const h of this.handlers) h[type]?.(obj)
  }
}

export interface FakeClusterInit {
  /** The cluster's clock (creationTimestamp, deletionTimestamp). */
  now?: () => Date
}

export class FakeCluster {
  readonly writes: RecordedWrite[] = []
  readonly reads: RecordedRead[] = []
  readonly caches: Caches
  readonly client: KubeClient
  private readonly store = new Map<string, Map<string, Obj>>()
  private readonly now: () => Date
  private held: Array<() => void> | undefined
  private readonly interleaved: Array<{ verb: WriteVerb | RecordedRead['verb'], action: () => void }> = []
  private serial = 0

  constructor (init: FakeClusterInit = {}) {
    this.now = init.now ?? (() => new Date())
    this.caches = {
      networks: new FakeInformer(NETWORK_KIND),
      nodes: new FakeInformer(NODE_KIND),
      pods: new FakeInformer('Pod'),
      services: new FakeInformer('Service'),
      secrets: new FakeInformer('Secret'),
      configMaps: new FakeInformer('ConfigMap'),
      pvcs: new FakeInformer('PersistentVolumeClaim'),
      pdbs: new FakeInformer('PodDisruptionBudget'),
      networkPolicies: new FakeInformer('NetworkPolicy')
    }
    this.client = new FakeKubeClient(this)
  }

  // --- what a test (kubelet, garbage collector, user) does; never recorded as the operator's writes

  /** Create or replace objects as they are (uid, resourceVersion, creationTimestamp filled in when missing). */
  put<T extends KubernetesObject[]> (...objects: T): void {
    for (const o of objects) {
      const obj = clone(o) as Obj
      const existing = this.find(obj.kind ?? '', obj.metadata.namespace, obj.metadata.name ?? '')
      obj.metadata.uid ??= existing?.metadata.uid ?? this.uid()
      obj.metadata.creationTimestamp ??= existing?.metadata.creationTimestamp ?? this.now()
      obj.metadata.resourceVersion = this.version()
      this.save(obj, existing === undefined ? 'add' : 'update')
    }
  }

  /** The kubelet's (or the user's) status write, not recorded. */
  setStatus (kind: string, namespace: string, name: string, status: unknown): void {
    const obj = this.mustFind(kind, namespace, name)
    this.save({ ...obj, status: mergePatch(obj.status, status), metadata: { ...obj.metadata, resourceVersion: this.version() } }, 'update')
  }

  /** Gone without finalizers (a pod the kubelet removed, an object the garbage collector took). */
  remove (kind: string, namespace: string, name: string): void {
    const obj = this.find(kind, namespace, name)
    if (obj !== undefined) this.drop(obj)
  }

  /** The garbage collector: delete every object whose owners are all gone (foreground details left out). */
  collectGarbage (): string[] {
    const uids = new Set([...this.all()].map(o => o.metadata.uid))
    const collected: string[] = []
    for (const o of this.all()) {
      const owners = o.metadata.ownerReferences ?? []
      if (owners.length > 0 && owners.every(r => !uids.has(r.uid))) {
        collected.push(`${o.kind ?? ''} ${keyOf(o.metadata.namespace, o.metadata.name)}`)
        this.deleteObject(o)
      }
    }
    return collected
  }

  /** The server's copy (not the cache's). */
  get<T extends KubernetesObject> (kind: string, namespace: string, name: string): T | undefined {
    const o = this.find(kind, namespace, name)
    return o !== undefined ? clone(o) as unknown as T : undefined
  }

  list<T extends KubernetesObject> (kind: string, namespace?: string): T[] {
    return [...(this.store.get(kind)?.values() ?? [])].filter(o => namespace === undefined || o.metadata.namespace === namespace).map(o => clone(o) as unknown as T)
  }

  /**
   * Another writer acts just before the operator's next request of this verb reaches the server
   * (races: a create that loses, a patch that conflicts).
   */
  beforeNext (verb: WriteVerb | RecordedRead['verb'], action: () => void): void { this.interleaved.push({ verb, action }) }

  /** @internal */ interleave (verb: WriteVerb | RecordedRead['verb']): void {
    const i = this.interleaved.findIndex(x => x.verb === verb)
    if (i >= 0) this.interleaved.splice(i, 1)[0]?.action()
  }

  /** Changes reach the caches only at `syncCaches` (a watch that lags the server). */
  holdCaches (): void { this.held ??= [] }
  syncCaches (): void {
    const pending = this.held ?? []
    this.held = undefined
    for (const deliver of pending) deliver()
  }

  /** The writes as `verb Kind namespace/name` lines, in order (for whole-sequence assertions). */
  writeLog (): string[] { return this.writes.map(w => `${w.verb} ${w.kind} ${w.namespace}/${w.name}`) }
  writesOf (verb?: WriteVerb, kind?: string): RecordedWrite[] { return this.writes.filter(w => (verb === undefined || w.verb === verb) && (kind === undefined || w.kind === kind)) }
  clearRecords (): void { this.writes.length = 0; this.reads.length = 0 }

  // --- the server side of the client ---

  /** @internal */ find (kind: string, namespace: string | undefined, name: string): Obj | undefined { return this.store.get(kind)?.get(keyOf(namespace, name)) }
  /** @internal */ mustFind (kind: string, namespace: string | undefined, name: string): Obj {
    const o = this.find(kind, namespace, name)
    if (o === undefined) throw new FakeApiError(404, 'NotFound', `${kind} "${name}" not found`)
    return o
  }

  /** @internal */ uid (): string { return `00000000-0000-4000-8000-${String(++this.serial).padStart(12, '0')}` }
  /** @internal */ version (): string { return String(++this.serial) }
  /** @internal */ clock (): Date { return this.now() }
  /** @internal */ isStatusKind (kind: string): boolean { return STATUS_KINDS.has(kind) }
  /** @internal */ isCustomKind (kind: string): boolean { return CUSTOM_KINDS.has(kind) }

  private * all (): Iterable<Obj> { for (const m of this.store.values()) yield * [...m.values()] }

  /** @internal */ save (obj: Obj, type: 'add' | 'update'): void {
    const kind = obj.kind ?? ''
    let byKey = this.store.get(kind)
    if (byKey === undefined) { byKey = new Map(); this.store.set(kind, byKey) }
    byKey.set(keyOf(obj.metadata.namespace, obj.metadata.name), obj)
    this.toCache(type, obj)
  }

  /** @internal */ drop (obj: Obj): void {
    this.store.get(obj.kind ?? '')?.delete(keyOf(obj.metadata.namespace, obj.metadata.name))
    this.toCache('delete', obj)
  }

  /** @internal */ deleteObject (obj: Obj): void {
    if ((obj.metadata.finalizers ?? []).length === 0) { this.drop(obj); return }
    if (obj.metadata.deletionTimestamp === undefined) {
      this.save({ ...obj, metadata: { ...obj.metadata, deletionTimestamp: this.now(), resourceVersion: this.version() } }, 'update')
    }
  }

  private toCache (type: 'add' | 'update' | 'delete', obj: Obj): void {
    const name = CACHE_OF[obj.kind ?? '']
    if (name === undefined) return
    // the children's informers select the operator's label
    if (name !== 'networks' && name !== 'nodes' && obj.metadata.labels?.[LABEL_MANAGED_BY] !== MANAGED_BY) return
    const cache = this.caches[name] as unknown as FakeInformer<KubernetesObject>
    const copy = clone(obj)
    const deliver = (): void => { cache.deliver(type === 'add' && cache.get(copy.metadata.name ?? '', copy.metadata.namespace) !== undefined ? 'update' : type, copy) }
    if (this.held !== undefined) this.held.push(deliver)
    else deliver()
  }
}

class FakeKubeClient implements KubeClient {
  constructor (private readonly cluster: FakeCluster) {}

  private record (w: RecordedWrite): void {
    this.cluster.writes.push(clone(w))
    this.cluster.interleave(w.verb)
  }

  async create<T extends KubernetesObject>(obj: T): Promise<T> {
    const o = clone(obj) as unknown as Obj
    const kind = o.kind ?? ''
    const namespace = o.metadata.namespace ?? ''
    this.record({ verb: 'create', kind, namespace, name: o.metadata.name ?? '', body: obj })
    if (this.cluster.find(kind, namespace, o.metadata.name ?? '') !== undefined) throw new FakeApiError(409, 'AlreadyExists', `${kind} "${o.metadata.name ?? ''}" already exists`)
    // the status subresource: a create's status is dropped
    if (this.cluster.isStatusKind(kind)) delete o.status
    o.metadata = { ...o.metadata, uid: this.cluster.uid(), resourceVersion: this.cluster.version(), creationTimestamp: this.cluster.clock(), ...(this.cluster.isCustomKind(kind) ? { generation: 1 } : {}) }
    this.cluster.save(o, 'add')
    return clone(o) as unknown as T
  }

  async mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: object): Promise<T> {
    this.record({ verb: 'patch', kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name, body: patch })
    const obj = this.cluster.mustFind(ref.kind, ref.namespace, ref.name)
    const p = clone(patch) as { metadata?: { resourceVersion?: string }, status?: unknown }
    if (p.metadata?.resourceVersion !== undefined && p.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      throw new FakeApiError(409, 'Conflict', `the object has been modified (resourceVersion ${p.metadata.resourceVersion} is not ${obj.metadata.resourceVersion ?? '?'})`)
    }
    if (p.metadata !== undefined) delete p.metadata.resourceVersion
    if (this.cluster.isStatusKind(ref.kind)) delete p.status
    const next = mergePatch(obj, p) as Obj
    if (this.cluster.isCustomKind(ref.kind) && JSON.stringify(next.spec) !== JSON.stringify(obj.spec)) next.metadata.generation = (obj.metadata.generation ?? 1) + 1
    next.metadata.resourceVersion = this.cluster.version()
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0) this.cluster.drop(next)
    else this.cluster.save(next, 'update')
    return clone(next) as unknown as T
  }

  async patchStatus<T extends KubernetesObject>(ref: ObjectRef, status: object): Promise<T> {
    if (!this.cluster.isCustomKind(ref.kind) || ref.namespace === undefined) throw new UnsupportedStatusKindError(ref.kind)
    this.record({ verb: 'patchStatus', kind: ref.kind, namespace: ref.namespace, name: ref.name, body: status })
    const obj = this.cluster.mustFind(ref.kind, ref.namespace, ref.name)
    const next = { ...obj, status: mergePatch(obj.status, status), metadata: { ...obj.metadata, resourceVersion: this.cluster.version() } }
    this.cluster.save(next, 'update')
    return clone(next) as unknown as T
  }

  async delete (ref: ObjectRef, _opts?: DeleteOptions): Promise<boolean> {
    this.record({ verb: 'delete', kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name })
    const obj = this.cluster.find(ref.kind, ref.namespace, ref.name)
    if (obj === undefined) return false
    this.cluster.deleteObject(obj)
    return true
  }

  async get<T extends KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
    this.cluster.reads.push({ verb: 'get', kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name })
    this.cluster.interleave('get')
    return this.cluster.get<T>(ref.kind, ref.namespace ?? '', ref.name)
  }

  async list<T extends KubernetesObject>(_apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]> {
    this.cluster.reads.push({ verb: 'list', kind, namespace: namespace ?? '' })
    this.cluster.interleave('list')
    return this.cluster.list<T>(kind, namespace).filter(o => matchesSelector(o, labelSelector))
  }
}

export function createFakeCluster (init: FakeClusterInit = {}): FakeCluster {
  return new FakeCluster(init)
}
