import type { V1Container, V1Pod, V1ObjectFieldSelector, V1ResourceFieldSelector } from '@kubernetes/client-node'
import { expand } from './expand.js'

/** Reads Secrets and ConfigMaps of the pod's namespace; undefined when absent. */
export interface RefLookups {
  secret: (namespace: string, name: string) => Promise<Record<string, string> | undefined>
  configMap: (namespace: string, name: string) => Promise<Record<string, string> | undefined>
}

export class EnvResolveError extends Error {
  readonly variable: string
  constructor (variable: string, reason: string) {
    super(`env ${variable}: ${reason}`)
    this.name = 'EnvResolveError'
    this.variable = variable
  }
}

/** Pod fields the downward API exposes to the process. */
export interface PodFacts {
  podIP: string
  hostIP: string
  nodeName: string
}

/** The value of a downward-API fieldRef. Pure. */
export function fieldRefValue (pod: V1Pod, facts: PodFacts, ref: V1ObjectFieldSelector): string | undefined {
  const p = ref.fieldPath
  const md = pod.metadata ?? {}
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(p)
  if (m != null) return (m[1] === 'labels' ? md.labels : md.annotations)?.[m[2]] ?? ''
  switch (p) {
    case 'metadata.name': return md.name
    case 'metadata.namespace': return md.namespace
    case 'metadata.uid': return md.uid
    case 'metadata.labels': return Object.entries(md.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n')
    case 'metadata.annotations': return Object.entries(md.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n')
    case 'spec.nodeName': return facts.nodeName
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? 'default'
    case 'status.podIP': return facts.podIP
    case 'status.podIPs': return facts.podIP
    case 'status.hostIP': return facts.hostIP
    case 'status.hostIPs': return facts.hostIP
    default: return undefined
  }
}

/** A resourceFieldRef value: the container's limit, else its request, else a node-sized default. Pure. */
export function resourceRefValue (container: V1Container, ref: V1ResourceFieldSelector): string {
  const [kind, res] = ref.resource.split('.') as [string, string]
  const limits = container.resources?.limits ?? {}
  const requests = container.resources?.requests ?? {}
  const v = (kind === 'limits' ? limits[res] ?? requests[res] : requests[res] ?? limits[res]) as string | undefined
  if (v != null) return String(v)
  return res === 'cpu' ? '2' : String(24 * 1024 * 1024 * 1024)
}

/**
 * A container's environment as Kubernetes builds it: envFrom sources first, then `env` in order,
 * each value `$(VAR)`-expanded against the variables defined before it. `base` (service variables)
 * is visible to expansion and present in the result unless overridden.
 */
export async function resolveEnv (pod: V1Pod, container: V1Container, facts: PodFacts, lookups: RefLookups, base: Record<string, string> = {}): Promise<Map<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default'
  const env = new Map<string, string>(Object.entries(base))
  for (const src of container.envFrom ?? []) {
    const prefix = src.prefix ?? ''
    if (src.configMapRef != null) {
      const data = await lookups.configMap(ns, src.configMapRef.name ?? '')
      if (data == null) {
        if (src.configMapRef.optional === true) continue
        throw new EnvResolveError(`envFrom configMap ${src.configMapRef.name}`, 'ConfigMap not found')
      }
      for (const [k, v] of Object.entries(data)) env.set(prefix + k, v)
    }
    if (src.secretRef != null) {
      const data = await lookups.secret(ns, src.secretRef.name ?? '')
      if (data == null) {
        if (src.secretRef.optional === true) continue
        throw new EnvResolveError(`envFrom secret ${src.secretRef.name}`, 'Secret not found')
      }
      for (const [k, v] of Object.entries(data)) env.set(prefix + k, v)
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom == null) {
      env.set(e.name, expand(e.value ?? '', name => env.get(name)))
      continue
    }
    const vf = e.valueFrom
    if (vf.fieldRef != null) {
      const v = fieldRefValue(pod, facts, vf.fieldRef)
      if (v == null) throw new EnvResolveError(e.name, `unsupported fieldPath ${vf.fieldRef.fieldPath}`)
      env.set(e.name, v)
    } else if (vf.resourceFieldRef != null) {
      env.set(e.name, resourceRefValue(container, vf.resourceFieldRef))
    } else if (vf.secretKeyRef != null) {
      const ref = vf.secretKeyRef
      const data = await lookups.secret(ns, ref.name ?? '')
      const v = data?.[ref.key]
      if (v == null) {
        if (ref.optional === true) continue
        throw new EnvResolveError(e.name, `secret ${ref.name} key ${ref.key} not found`)
      }
      env.set(e.name, v)
    } else if (vf.configMapKeyRef != null) {
      const ref = vf.configMapKeyRef
      const data = await lookups.configMap(ns, ref.name ?? '')
      const v = data?.[ref.key]
      if (v == null) {
        if (ref.optional === true) continue
        throw new EnvResolveError(e.name, `configMap ${ref.name} key ${ref.key} not found`)
      }
      env.set(e.name, v)
    }
  }
  return env
}
