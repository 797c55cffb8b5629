/**
 * The operator's door to the API server: create, merge-patch, status merge-patch, delete, get, list.
 * Strategic merge patch is refused on custom resources, so everything is a JSON merge patch.
 * Every request is reported to `onRequest` (metrics count them; a steady network must make no writes).
 */
import {
  CustomObjectsApi, KubeConfig, KubernetesObjectApi, PatchStrategy, setHeaderOptions,
  type KubernetesObject
} from '@kubernetes/client-node'
import { FIELD_MANAGER, GROUP, NETWORK_KIND, NETWORK_PLURAL, NODE_KIND, NODE_PLURAL, VERSION } from '../api/constants.js'
import { isNotFound } from './errors.js'

export interface ObjectRef {
  apiVersion: string
  kind: string
  namespace?: string
  name: string
}

export type Verb = 'get' | 'list' | 'create' | 'patch' | 'delete'

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'
}

export interface KubeClient {
  create<T extends KubernetesObject>(obj: T): Promise<T>
  mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: object): Promise<T>
  /** Merge patch of the status subresource of a LatticeNetwork or LatticeNode. */
  patchStatus<T extends KubernetesObject>(ref: ObjectRef, status: object): Promise<T>
  /** Deletes; a missing object is not an error (returns false). */
  delete(ref: ObjectRef, opts?: DeleteOptions): Promise<boolean>
  get<T extends KubernetesObject>(ref: ObjectRef): Promise<T | undefined>
  list<T extends KubernetesObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]>
}

export interface KubeClientInit { fieldManager?: string }
export interface KubeClientComponents {
  kubeConfig: KubeConfig
  onRequest?: (verb: Verb, kind: string) => void
}

const PLURALS: Record<string, string> = { [NETWORK_KIND]: NETWORK_PLURAL, [NODE_KIND]: NODE_PLURAL }

export class UnsupportedStatusKindError extends Error {
  readonly kind: string
  constructor (kind: string) {
    super(`status patches are only for ${Object.keys(PLURALS).join(', ')}, not ${kind}`)
    this.name = 'UnsupportedStatusKindError'
    this.kind = kind
  }
}

class DefaultKubeClient implements KubeClient {
  private readonly objects: KubernetesObjectApi
  private readonly custom: CustomObjectsApi
  private readonly fieldManager: string
  private readonly onRequest: (verb: Verb, kind: string) => void

  constructor (init: KubeClientInit, components: KubeClientComponents) {
    this.objects = KubernetesObjectApi.makeApiClient(components.kubeConfig)
    this.custom = components.kubeConfig.makeApiClient(CustomObjectsApi)
    this.fieldManager = init.fieldManager ?? FIELD_MANAGER
    this.onRequest = components.onRequest ?? (() => {})
  }

  private header (ref: ObjectRef): KubernetesObject {
    return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}) } }
  }

  async create<T extends KubernetesObject>(obj: T): Promise<T> {
    this.onRequest('create', obj.kind ?? '')
    return await this.objects.create(obj, undefined, undefined, this.fieldManager)
  }

  async mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: object): Promise<T> {
    this.onRequest('patch', ref.kind)
    const h = this.header(ref)
    const body = { ...patch, apiVersion: ref.apiVersion, kind: ref.kind, metadata: { ...((patch as { metadata?: object }).metadata ?? {}), ...h.metadata } }
    return await this.objects.patch(body as T, undefined, undefined, this.fieldManager, undefined, PatchStrategy.MergePatch)
  }

  async patchStatus<T extends KubernetesObject>(ref: ObjectRef, status: object): Promise<T> {
    const plural = PLURALS[ref.kind]
    if (plural === undefined || ref.namespace === undefined) throw new UnsupportedStatusKindError(ref.kind)
    this.onRequest('patch', `${ref.kind}/status`)
    return await this.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace: ref.namespace, plural, name: ref.name, body: { status }, fieldManager: this.fieldManager },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
    ) as T
  }

  async delete (ref: ObjectRef, opts: DeleteOptions = {}): Promise<boolean> {
    this.onRequest('delete', ref.kind)
    try {
      await this.objects.delete(this.header(ref), undefined, undefined, undefined, undefined, opts.propagationPolicy ?? 'Background')
      return true
    } catch (err) {
      if (isNotFound(err)) return false
      throw err
    }
  }

  async get<T extends KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
    this.onRequest('get', ref.kind)
    try {
      return await this.objects.read(this.header(ref) as T & { metadata: { name: string, namespace: string } }) as T
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  async list<T extends KubernetesObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]> {
    this.onRequest('list', kind)
    const res = await this.objects.list<T>(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector)
    return res.items
  }
}

export function createKubeClient (init: KubeClientInit, components: KubeClientComponents): KubeClient {
  return new DefaultKubeClient(init, components)
}

export const refOf = (obj: KubernetesObject): ObjectRef => ({
  apiVersion: obj.apiVersion ?? '',
  kind: obj.kind ?? '',
  ...(obj.metadata?.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
  name: obj.metadata?.name ?? ''
})
