/**
 * Where the operator's API credentials come from, in kubectl's order (client-go's loading rules):
 *   1. --kubeconfig FILE (must exist)
 *   2. KUBECONFIG: a list of files (':'-separated); missing files are skipped, the rest merged with
 *      the first file to set a value winning (current-context, and clusters/users/contexts by name)
 *   3. ~/.kube/config when it exists
 *   4. in-cluster: the pod's ServiceAccount (KUBERNETES_SERVICE_HOST/PORT and the mounted token)
 * The choice is a pure function (tested beside this file); loading uses @kubernetes/client-node.
 */
import fs from 'node:fs'
import path from 'node:path'
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node'

export type KubeconfigSource =
  | { kind: 'files', files: string[], from: '--kubeconfig' | 'KUBECONFIG' | '~/.kube/config' }
  | { kind: 'in-cluster' }

export class NoKubeconfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'NoKubeconfigError'
  }
}

export interface KubeconfigEnvironment {
  /** --kubeconfig, when given. */
  flag?: string
  /** The KUBECONFIG variable. */
  kubeconfigVar?: string
  home?: string
  /** KUBERNETES_SERVICE_HOST and _PORT both set (what client-go's in-cluster config checks). */
  inCluster: boolean
  exists: (file: string) => boolean
}

export function chooseKubeconfig (e: KubeconfigEnvironment): KubeconfigSource {
  if (e.flag !== undefined && e.flag !== '') {
    if (!e.exists(e.flag)) throw new NoKubeconfigError(`--kubeconfig ${e.flag}: no such file`)
    return { kind: 'files', files: [e.flag], from: '--kubeconfig' }
  }
  const listed = (e.kubeconfigVar ?? '').split(path.delimiter).filter(f => f !== '')
  const present = [...new Set(listed)].filter(f => e.exists(f))
  if (present.length > 0) return { kind: 'files', files: present, from: 'KUBECONFIG' }
  if (listed.length === 0 && e.home !== undefined && e.home !== '') {
    const home = path.join(e.home, '.kube', 'config')
    if (e.exists(home)) return { kind: 'files', files: [home], from: '~/.kube/config' }
  }
  if (e.inCluster) return { kind: 'in-cluster' }
  throw new NoKubeconfigError(listed.length > 0
    ? `none of the KUBECONFIG files exists (${listed.join(path.delimiter)}) and not running in a pod`
    : 'no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a ServiceAccount')
}

/** Merges kubeconfig files as kubectl does: the first file to set a value wins. */
export function mergeKubeconfigFiles (files: readonly string[]): KubeConfig {
  const clusters = new Map<string, Cluster>()
  const users = new Map<string, User>()
  const contexts = new Map<string, Context>()
  let currentContext = ''
  for (const file of files) {
    const kc = new KubeConfig()
    // Relative certificate and key paths resolve against their own file's directory.
    kc.loadFromFile(file)
    for (const c of kc.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c)
    for (const u of kc.getUsers()) if (!users.has(u.name)) users.set(u.name, u)
    for (const c of kc.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c)
    // A file without current-context reports undefined despite the declared string type.
    const current = kc.getCurrentContext() as string | undefined ?? ''
    if (currentContext === '' && current !== '') currentContext = current
  }
  const merged = new KubeConfig()
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext })
  return merged
}

/** Loads the credentials chooseKubeconfig picks from the real environment. */
export function loadKubeconfig (flag: string | undefined, env: Readonly<Record<string, string | undefined>>): { kubeConfig: KubeConfig, source: KubeconfigSource } {
  const source = chooseKubeconfig({
    ...(flag !== undefined ? { flag } : {}),
    ...(env.KUBECONFIG !== undefined ? { kubeconfigVar: env.KUBECONFIG } : {}),
    ...(env.HOME !== undefined ? { home: env.HOME } : {}),
    inCluster: (env.KUBERNETES_SERVICE_HOST ?? '') !== '' && (env.KUBERNETES_SERVICE_PORT ?? '') !== '',
    exists: f => fs.existsSync(f)
  })
  if (source.kind === 'in-cluster') {
    const kc = new KubeConfig()
    kc.loadFromCluster()
    return { kubeConfig: kc, source }
  }
  const kc = mergeKubeconfigFiles(source.files)
  if ((kc.getCurrentContext() as string | undefined ?? '') === '' || kc.getCurrentCluster() === null) {
    throw new NoKubeconfigError(`${source.files.join(path.delimiter)}: no current-context naming a cluster`)
  }
  return { kubeConfig: kc, source }
}
