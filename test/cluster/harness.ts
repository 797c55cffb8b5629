import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll } from '@jest/globals'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import { locateBinaries } from './binaries.js'
import { runCommand, startControlPlane, type CommandResult, type ControlPlane, type ControlPlaneInit } from './controlplane.js'
import { defaultImages, type ImageTable, type Kubelet, type KubeletInit } from './kubelet/index.js'
import { createLocalKubelet } from './local-kubelet.js'
import { createTestNamespace, deleteTestNamespace } from './namespace.js'
import { podLogsFromDisk, readSharedCluster } from './shared.js'
import { registerDump } from '../../packages/testkit/src/index.js'

export interface UseClusterOptions {
  /** Run kube-scheduler / kube-controller-manager (a private control plane; the shared one always has both). */
  scheduler?: boolean
  controllerManager?: boolean
  /** Run a local kubelet (default true). */
  kubelet?: boolean
  /** Extra kubelet settings for a private cluster (images default to the project's). */
  kubeletInit?: Partial<KubeletInit>
  images?: ImageTable
  /** CRDs applied at start (private control plane): default <repo>/crds. */
  crdsDir?: string | false
  namespacePrefix?: string
  /**
   * Use the shared control plane of the jest global setup when there is one (default), else start
   * a private one for this suite. `false` always starts a private one. The shared one has a
   * kubelet, a scheduler and a controller-manager, and the CRDs of crds/: a suite that asks for
   * `kubelet`, `scheduler` or `controllerManager` to be `false` gets a private one.
   */
  shared?: boolean
  startTimeoutMs?: number
  /** Audit log and admission plugins of a private control plane (controlplane.ts); never the shared one. */
  controlPlane?: Pick<ControlPlaneInit, 'audit' | 'enableAdmissionPlugins'>
}

/** What a suite gets: a fresh namespace on a real control plane with a local kubelet. */
export interface ClusterContext {
  readonly namespace: string
  readonly kubeconfigPath: string
  readonly server: string
  readonly nodeName: string
  /** The control plane and kubelet when this suite started its own (private mode). */
  readonly controlPlane: ControlPlane | undefined
  readonly kubelet: Kubelet | undefined
  kubeConfig: () => KubeConfig
  kubectl: (args: string[], opts?: { input?: string, timeoutMs?: number }) => Promise<CommandResult>
  helm: (args: string[], opts?: { cwd?: string, timeoutMs?: number }) => Promise<CommandResult>
  /** Container log tails of a pod (default namespace: the suite's). */
  podLogs: (name: string, namespace?: string) => string
  /** Pods of the namespace with phase, IP and container states, plus recent events: for failure messages. */
  diagnostics: () => Promise<string>
  /** Everything about the namespace (objects, custom resources, pods with their logs, events): the failure dump. */
  dumpNamespace: () => Promise<string>
}

class SuiteCluster implements ClusterContext {
  namespace = ''
  kubeconfigPath = ''
  server = ''
  nodeName = ''
  kubeletRoot = ''
  controlPlane: ControlPlane | undefined
  kubelet: Kubelet | undefined
  private readonly bins = locateBinaries(['kubectl', 'helm'])
  private helmHome = ''
  private unregisterDump: () => void = () => {}

  kubeConfig (): KubeConfig {
    const kc = new KubeConfig()
    kc.loadFromFile(this.kubeconfigPath)
    return kc
  }

  async kubectl (args: string[], opts: { input?: string, timeoutMs?: number } = {}): Promise<CommandResult> {
    return await runCommand(this.bins.kubectl, [`--kubeconfig=${this.kubeconfigPath}`, ...args], { ...process.env, KUBECONFIG: this.kubeconfigPath }, opts)
  }

  async helm (args: string[], opts: { cwd?: string, timeoutMs?: number } = {}): Promise<CommandResult> {
    const env = { ...process.env, KUBECONFIG: this.kubeconfigPath, HELM_CACHE_HOME: path.join(this.helmHome, 'cache'), HELM_CONFIG_HOME: path.join(this.helmHome, 'config'), HELM_DATA_HOME: path.join(this.helmHome, 'data') }
    return await runCommand(this.bins.helm, args, env, opts)
  }

  podLogs (name: string, namespace = this.namespace): string {
    return podLogsFromDisk(this.kubeletRoot, namespace, name)
  }

  async diagnostics (): Promise<string> {
    try {
      const core = this.kubeConfig().makeApiClient(CoreV1Api)
      const pods = await core.listNamespacedPod({ namespace: this.namespace })
      const events = await core.listNamespacedEvent({ namespace: this.namespace })
      const lines = pods.items.map(p => `pod ${p.metadata?.name} node=${p.spec?.nodeName} phase=${p.status?.phase} ip=${p.status?.podIP} containers=${JSON.stringify(p.status?.containerStatuses?.map(c => ({ n: c.name, ready: c.ready, restarts: c.restartCount, state: c.state })))}\n${this.podLogs(p.metadata?.name ?? '')}`)
      lines.push(...events.items.slice(-30).map(e => `event ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason} ${e.message}`))
      return lines.join('\n')
    } catch (err) {
      return `(diagnostics failed: ${(err as Error).message})`
    }
  }

  async dumpNamespace (): Promise<string> {
    const parts: string[] = []
    const get = await this.kubectl(['-n', this.namespace, 'get', 'lnet,lnode,pods,svc,secrets,cm,pvc,pdb', '-o', 'wide'])
    parts.push('=== objects\n' + get.stdout + get.stderr)
    const crs = await this.kubectl(['-n', this.namespace, 'get', 'lnet,lnode', '-o', 'yaml'])
    parts.push('=== custom resources\n' + crs.stdout.slice(-20_000))
    parts.push('=== pods and events\n' + await this.diagnostics())
    return parts.join('\n')
  }

  async setUp (opts: UseClusterOptions, suiteName: string): Promise<void> {
    const wantsAbsence = opts.kubelet === false || opts.scheduler === false || opts.controllerManager === false || opts.controlPlane !== undefined
    const shared = opts.shared !== false && !wantsAbsence ? readSharedCluster() : undefined
    this.helmHome = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-helm-'))
    if (shared != null) {
      this.kubeconfigPath = shared.kubeconfigPath
      this.server = shared.server
      this.nodeName = shared.nodeName
      this.kubeletRoot = shared.kubeletRoot
    } else {
      const cp = await startControlPlane({ scheduler: opts.scheduler, controllerManager: opts.controllerManager, crdsDir: opts.crdsDir, startTimeoutMs: opts.startTimeoutMs, ...opts.controlPlane })
      this.controlPlane = cp
      this.kubeconfigPath = cp.kubeconfigPath
      this.server = cp.server
      if (opts.kubelet !== false) {
        this.kubeletRoot = path.join(cp.stateDir, 'kubelet')
        const kubelet = createLocalKubelet(cp, {
          rootDir: this.kubeletRoot,
          images: opts.images ?? defaultImages(),
          bindUnscheduled: opts.scheduler !== true,
          restartBackoff: { initialMs: 500, maxMs: 5000 },
          ...opts.kubeletInit
        })
        this.kubelet = kubelet
        this.nodeName = kubelet.nodeName
        await kubelet.start()
      }
    }
    this.namespace = await createTestNamespace(this.kubeConfig(), opts.namespacePrefix ?? suiteName)
    // Dumped by the kit's jest environment when a test of the suite fails (no test asks for it).
    this.unregisterDump = registerDump({ name: `namespace ${this.namespace}`, dump: async () => await this.dumpNamespace() })
  }

  async tearDown (): Promise<void> {
    this.unregisterDump()
    try {
      if (this.namespace !== '' && this.controlPlane == null) await deleteTestNamespace(this.kubeConfig(), this.namespace)
    } finally {
      await this.kubelet?.stop()
      await this.controlPlane?.stop()
      if (this.helmHome !== '') fs.rmSync(this.helmHome, { recursive: true, force: true })
    }
  }
}

/**
 * Jest helper: call at the top of a describe block. beforeAll gives the suite a fresh namespace on
 * the shared control plane (jest global setup) or on a private one it starts; afterAll removes the
 * namespace's pods (their processes stop) and stops whatever the suite started, even on failure.
 */
export function useCluster (opts: UseClusterOptions = {}, suiteName = 'suite'): ClusterContext {
  const ctx = new SuiteCluster()
  beforeAll(async () => { await ctx.setUp(opts, suiteName) }, (opts.startTimeoutMs ?? 90_000) + 30_000)
  afterAll(async () => { await ctx.tearDown() }, 90_000)
  return ctx
}
