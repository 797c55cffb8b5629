import type { Logger, ResourceLogKeys } from './interface.js'

/** The object fields the resource keys are read from (any Kubernetes object has them). */
export interface ResourceRef {
  kind?: string
  metadata?: { name?: string, namespace?: string }
}

export function resourceKeys (kind: string | undefined, namespace: string | undefined, name: string | undefined): ResourceLogKeys {
  return { resource_kind: kind ?? '', resource_namespace: namespace ?? '', resource_name: name ?? '' }
}

/** A logger whose every line carries the object's resource_kind, resource_namespace and resource_name. */
export function withResource (logger: Logger, obj: ResourceRef): Logger {
  return logger.child(resourceKeys(obj.kind, obj.metadata?.namespace, obj.metadata?.name))
}
