/** Log metadata with the fixed resource keys every operator log line uses. */
import type { KubernetesObject } from '@kubernetes/client-node'

export interface ResourceLogKeys {
  resource_kind: string
  resource_namespace: string
  resource_name: string
}

export function resourceKeys (kind: string, namespace: string | undefined, name: string | undefined): ResourceLogKeys {
  return { resource_kind: kind, resource_namespace: namespace ?? '', resource_name: name ?? '' }
}

export function keysOf (obj: KubernetesObject): ResourceLogKeys {
  return resourceKeys(obj.kind ?? '', obj.metadata?.namespace, obj.metadata?.name)
}

/** `namespace/name` work-queue key and back. */
export const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`
export function splitKey (key: string): { namespace: string, name: string } {
  const i = key.indexOf('/')
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) }
}
