// What a pod's env and volumes read from the API server (Secrets, ConfigMaps, bound PVC paths, service-account tokens), apart from the kubelet's pod lifecycle.
import fs from 'node:fs'
import type { CoreV1Api } from '@kubernetes/client-node'
import { errCode } from './api-calls.js'
import type { RefLookups } from './env.js'
import type { VolumeSources } from './volumes.js'

export interface PodSources {
  lookups: RefLookups
  volumes: VolumeSources
}

/** Base64 values (Secret data, ConfigMap binaryData) and plain ones (stringData, data) as bytes. */
function asBuffers (base64: Record<string, string> | undefined, plain: Record<string, string> | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {}
  for (const [k, v] of Object.entries(base64 ?? {})) out[k] = Buffer.from(v, 'base64')
  for (const [k, v] of Object.entries(plain ?? {})) out[k] = Buffer.from(v)
  return out
}

/** The result of an API read, or undefined when the object does not exist. */
async function unlessNotFound<T> (read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (err) {
    if (errCode(err) === 404) return undefined
    throw err
  }
}

/** clusterCaFile: served as ConfigMap kube-root-ca.crt when nobody has published it. */
export function createPodSources (core: CoreV1Api, clusterCaFile: string | undefined): PodSources {
  const readSecret = async (namespace: string, name: string): Promise<Record<string, Buffer> | undefined> => {
    const s = await unlessNotFound(async () => await core.readNamespacedSecret({ name, namespace }))
    return s == null ? undefined : asBuffers(s.data, s.stringData)
  }
  const readConfigMap = async (namespace: string, name: string): Promise<Record<string, Buffer> | undefined> => {
    const cm = await unlessNotFound(async () => await core.readNamespacedConfigMap({ name, namespace }))
    if (cm != null) return asBuffers(cm.binaryData, cm.data)
    // Without kube-controller-manager nobody publishes the cluster CA: serve it ourselves.
    if (name === 'kube-root-ca.crt' && clusterCaFile != null) return { 'ca.crt': fs.readFileSync(clusterCaFile) }
    return undefined
  }
  const strings = (d: Record<string, Buffer> | undefined): Record<string, string> | undefined =>
    d == null ? undefined : Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.toString('utf8')]))
  return {
    lookups: {
      secret: async (ns, name) => strings(await readSecret(ns, name)),
      configMap: async (ns, name) => strings(await readConfigMap(ns, name))
    },
    volumes: {
      secret: readSecret,
      configMap: readConfigMap,
      claimDir: async (ns, claim) => await unlessNotFound(async () => {
        const pvc = await core.readNamespacedPersistentVolumeClaim({ name: claim, namespace: ns })
        if (pvc.status?.phase !== 'Bound' || pvc.spec?.volumeName == null) return undefined
        const pv = await core.readPersistentVolume({ name: pvc.spec.volumeName })
        return pv.spec?.hostPath?.path ?? pv.spec?.local?.path
      }),
      serviceAccountToken: async (pod, audience, expirationSeconds) => {
        const tr = await core.createNamespacedServiceAccountToken({
          name: pod.spec?.serviceAccountName ?? 'default',
          namespace: pod.metadata?.namespace ?? 'default',
          body: { spec: { audiences: audience != null && audience !== '' ? [audience] : [], expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid } } }
        })
        return tr.status?.token ?? ''
      }
    }
  }
}
