import { waitFor } from '../../packages/testkit/src/index.js'
import fs from 'node:fs'
import path from 'node:path'
import { ApiextensionsV1Api, loadAllYaml, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node'

/**
 * The CRD objects in a YAML file (multi-document files allowed; non-CRD documents ignored).
 * Deserialized into client models with loadAllYaml: a raw js-yaml object would lose the
 * `x-kubernetes-*` keys when the generated client serializes it (its models name them
 * `x_kubernetes_*`), and the API server would then reject the schema.
 */
export function readCrds (file: string): V1CustomResourceDefinition[] {
  const docs = (loadAllYaml(fs.readFileSync(file, 'utf8')) as Array<{ kind?: string } | null>)
  return docs.filter(d => d != null && d.kind === 'CustomResourceDefinition') as V1CustomResourceDefinition[]
}

/** The `*.yaml` / `*.yml` files of a directory, sorted; empty when it does not exist. */
export function crdFiles (dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir).filter(f => /\.ya?ml$/.test(f)).sort().map(f => path.join(dir, f))
}

function isConflict (err: unknown): boolean {
  return (err as { code?: number }).code === 409
}

/** Creates (or replaces) the CRDs and waits until each is Established and NamesAccepted. */
export async function applyCrds (kc: KubeConfig, files: string[], timeoutMs = 30_000): Promise<string[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api)
  const names: string[] = []
  for (const file of files) {
    for (const crd of readCrds(file)) {
      const name = crd.metadata?.name ?? ''
      try {
        await api.createCustomResourceDefinition({ body: crd })
      } catch (err) {
        if (!isConflict(err)) throw err
        const current = await api.readCustomResourceDefinition({ name })
        crd.metadata = { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion }
        await api.replaceCustomResourceDefinition({ name, body: crd })
      }
      names.push(name)
    }
  }
  for (const name of names) {
    await waitFor(`CRD ${name} Established`, async () => {
      const crd = await api.readCustomResourceDefinition({ name })
      const conds = crd.status?.conditions ?? []
      return conds.some(c => c.type === 'Established' && c.status === 'True') && conds.some(c => c.type === 'NamesAccepted' && c.status === 'True')
    }, { timeoutMs, intervalMs: 50 })
  }
  return names
}
