/**
 * What a controller watches and which of its queue keys an event maps to (controller-runtime's
 * For/Owns/Watches): each controller declares its own watches, the operator only connects them to
 * the informers' events and the controller's queue.
 */
import type { KubernetesObject } from '@kubernetes/client-node'
import { LABEL_COMPONENT, LABEL_NETWORK, LABEL_NODE } from '../api/constants.js'
import type { ResourceInformer } from '../kube/informer.js'
import type { ControllerName } from '../metrics/metrics.js'
import { objectKey } from '../queue/key.js'
import type { Caches } from './context.js'
import type { ReconcileFn } from './runner.js'

export interface Watch {
  source: ResourceInformer<KubernetesObject>
  /** The queue keys an added, changed or deleted object wakes (none: not this controller's business). */
  keys: (obj: KubernetesObject) => string[]
}

/** One watch, typed by its source. */
export function watch<T extends KubernetesObject> (source: ResourceInformer<T>, keys: (obj: T) => string[]): Watch {
  // the informer hands this watch only objects of its own kind
  return { source, keys: keys as (obj: KubernetesObject) => string[] }
}

export interface ControllerDefinition {
  name: ControllerName
  kind: string
  reconcile: ReconcileFn
  /** The primary resource: each object is its own key; all of them are queued once on taking the lead. */
  for: ResourceInformer<KubernetesObject>
  /** Other sources, each with its mapping to keys of the primary resource. */
  watches: Watch[]
}

/** `namespace/name` of an object, or none when it has no name. */
export function keyOf (namespace: string | undefined, name: string | undefined): string[] {
  return name !== undefined && name !== '' ? [objectKey(namespace, name)] : []
}

const ownKey = (o: KubernetesObject): string[] => keyOf(o.metadata?.namespace, o.metadata?.name)

/**
 * A child made for one node (labelled with the node and a component) belongs to the node
 * controller; any other child labelled with a network to the network controller.
 */
export function childNode (o: KubernetesObject): string | undefined {
  const labels = o.metadata?.labels ?? {}
  return labels[LABEL_NODE] !== undefined && labels[LABEL_COMPONENT] !== undefined ? labels[LABEL_NODE] : undefined
}

/** The caches of the operator's children (all labelled managed-by the operator). */
const childSources = (c: Caches): Array<ResourceInformer<KubernetesObject>> => [c.pods, c.services, c.secrets, c.configMaps, c.pvcs, c.pdbs, c.networkPolicies]

/** Every kind of child, each mapped to the key of the object `owner` names (none: another controller's child). */
export function watchChildren (c: Caches, owner: (o: KubernetesObject) => string | undefined): Watch[] {
  return childSources(c).map(source => watch(source, o => keyOf(o.metadata?.namespace, owner(o))))
}

export const childNetwork = (o: KubernetesObject): string | undefined => childNode(o) === undefined ? o.metadata?.labels?.[LABEL_NETWORK] : undefined

/** Connect a controller's primary resource and watches to `enqueue`. */
export function connectWatches (def: ControllerDefinition, enqueue: (key: string) => void): void {
  for (const w of [{ source: def.for, keys: ownKey }, ...def.watches]) {
    const on = (o: KubernetesObject): void => { for (const key of w.keys(o)) enqueue(key) }
    w.source.on({ add: on, update: on, delete: on })
  }
}

/** Every key of the primary resource (queued once when this replica starts leading). */
export const allKeys = (def: ControllerDefinition): string[] => def.for.list().flatMap(ownKey)
