import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CoordinationV1Api, CoreV1Api, PatchStrategy, V1MicroTime, setHeaderOptions, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node'
import { createSilentLogger, type Logger } from '../../../packages/log/src/index.js'
import type { ProcessRegistry } from '../process.js'
import { tailFile } from '../process.js'
import type { RefLookups } from './env.js'
import type { ImageTable } from './images.js'
import { createPodWorker, type PodWorker, type RestartBackoff } from './pod-worker.js'
import { computePodStatus } from './status.js'
import { createLocalPathProvisioner, type LocalPathProvisioner } from './storage.js'
import type { VolumeSources } from './volumes.js'
import { startKubeletServer, type KubeletServer, type KubeletServerInit } from './server.js'
import { startListWatch, type ListWatch } from './watch-list.js'

export interface KubeletInit {
  /** Node name; default `local-kubelet`. */
  nodeName?: string
  /** Pod sandboxes, volumes and logs live here. */
  rootDir: string
  /** Image → local entry point. */
  images: ImageTable
  /**
   * Pod IPs are `<ipBase><n>` for n = 2..254. Default: a random 127.x.y. subnet, so kubelets of
   * parallel test suites never hand out the same address (all of 127.0.0.0/8 is loopback).
   */
  ipBase?: string
  /** Bind pods that no scheduler binds (tests that run only the API server). */
  bindUnscheduled?: boolean
  /** The API server as pods see it (KUBERNETES_SERVICE_HOST/PORT). */
  apiServer: { host: string, port: number }
  /** The cluster CA, served as ConfigMap kube-root-ca.crt when controller-manager has not published it. */
  clusterCaFile?: string
  restartBackoff?: RestartBackoff
  heartbeatMs?: number
  volumeSyncMs?: number
  /** Serve PVCs with a local-path provisioner (default true) of this StorageClass (default `standard`). */
  provisioner?: boolean
  storageClassName?: string
  labels?: Record<string, string>
  /** Serve the kubelet API for `kubectl logs` (TLS; the API server's client certificate is checked against ca). */
  server?: KubeletServerInit
}

export interface KubeletComponents {
  kubeConfig: KubeConfig
  processes: ProcessRegistry
  logger?: Logger
}

export interface Kubelet {
  readonly nodeName: string
  start: () => Promise<void>
  /** Kills every pod process and stops watching (does not delete the Node). */
  stop: () => Promise<void>
  /** The worker of a pod (its sandbox, IP, log files) while this kubelet runs it. */
  worker: (namespace: string, name: string) => PodWorker | undefined
  /** Tail of every container log of a pod, for failure messages. */
  podLogs: (namespace: string, name: string) => string
  /** PIDs of every process this kubelet is running now. */
  runningPids: () => number[]
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

function key (pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`
}

function errCode (err: unknown): number | undefined {
  return (err as { code?: number }).code
}

class IpPool {
  private readonly used = new Set<number>()
  constructor (private readonly base: string) {}
  take (): string {
    for (let n = 2; n < 255; n++) {
      if (!this.used.has(n)) {
        this.used.add(n)
        return `${this.base}${n}`
      }
    }
    throw new Error(`pod IP pool ${this.base}0/24 exhausted`)
  }

  release (ip: string): void {
    if (ip.startsWith(this.base)) this.used.delete(Number(ip.slice(this.base.length)))
  }
}

function randomIpBase (): string {
  return `127.${10 + Math.floor(Math.random() * 240)}.${Math.floor(Math.random() * 256)}.`
}

class LocalKubelet implements Kubelet {
  readonly nodeName: string
  private readonly init: KubeletInit
  private readonly kc: KubeConfig
  private readonly core: CoreV1Api
  private readonly coord: CoordinationV1Api
  private readonly processes: ProcessRegistry
  private readonly log: Logger
  private readonly ips: IpPool
  private readonly workers = new Map<string, PodWorker>()
  /** uid → pod key, for the uids whose deletion is being carried out. */
  private readonly terminating = new Set<string>()
  private readonly statusDirty = new Set<string>()
  private readonly statusInFlight = new Set<string>()
  private watches: ListWatch[] = []
  private heartbeat: NodeJS.Timeout | undefined
  private provisioner: LocalPathProvisioner | undefined
  private server: KubeletServer | undefined
  private stopped = false

  constructor (init: KubeletInit, components: KubeletComponents) {
    this.init = init
    this.nodeName = init.nodeName ?? 'local-kubelet'
    this.kc = components.kubeConfig
    this.core = this.kc.makeApiClient(CoreV1Api)
    this.coord = this.kc.makeApiClient(CoordinationV1Api)
    this.processes = components.processes
    this.log = components.logger ?? createSilentLogger()
    this.ips = new IpPool(init.ipBase ?? randomIpBase())
  }

  private nodeObject (): V1Node {
    const now = new Date()
    const capacity = { cpu: String(Math.max(4, os.cpus().length)), memory: `${Math.floor(os.totalmem() / 1024 / 1024)}Mi`, pods: '110', 'ephemeral-storage': '100Gi' }
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeName,
        labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'lattice.diotec360.com/local-kubelet': 'true', ...(this.init.labels ?? {}) }
      },
      spec: {},
      status: {
        capacity,
        allocatable: capacity,
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: this.nodeName }],
        conditions: this.conditions(now),
        daemonEndpoints: { kubeletEndpoint: { Port: this.server?.port ?? 0 } },
        nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', osImage: 'lattice local kubelet', kernelVersion: os.release(), kubeletVersion: 'v0.0.0-lattice', kubeProxyVersion: '', containerRuntimeVersion: 'local://process', machineID: '', systemUUID: '', bootID: '' }
      }
    }
  }

  private conditions (now: Date): NonNullable<NonNullable<V1Node['status']>['conditions']> {
    const c = (type: string, status: string, reason: string): { type: string, status: string, reason: string, message: string, lastHeartbeatTime: Date, lastTransitionTime: Date } =>
      ({ type, status, reason, message: reason, lastHeartbeatTime: now, lastTransitionTime: now })
    return [
      c('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
      c('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
      c('PIDPressure', 'False', 'KubeletHasSufficientPID'),
      c('Ready', 'True', 'KubeletReady')
    ]
  }

  async start (): Promise<void> {
    fs.mkdirSync(this.init.rootDir, { recursive: true })
    if (this.init.server != null) {
      this.server = await startKubeletServer(this.init.server, (ns, pod, container) => {
        const w = this.worker(ns, pod)
        if (w == null) return undefined
        const files = w.logFiles()
        const name = container ?? w.pod.spec?.containers?.[0]?.name ?? ''
        return files[name]
      })
    }
    await this.register()
    await this.renewLease()
    this.heartbeat = setInterval(() => { void this.beat() }, this.init.heartbeatMs ?? 10_000)
    if (this.init.provisioner !== false) {
      this.provisioner = createLocalPathProvisioner({ rootDir: path.join(this.init.rootDir, 'volumes'), storageClassName: this.init.storageClassName ?? 'standard', pollMs: 500 }, { kubeConfig: this.kc, logger: this.log })
      await this.provisioner.start()
    }
    this.watches.push(startListWatch<V1Pod>(this.kc, {
      path: '/api/v1/pods',
      fieldSelector: `spec.nodeName=${this.nodeName}`,
      list: async () => await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${this.nodeName}` }),
      onSync: pods => { this.syncAll(pods) },
      onEvent: (type, pod) => { if (type === 'DELETED') this.podGone(pod); else this.reconcile(pod) }
    }, this.log))
    if (this.init.bindUnscheduled === true) {
      this.watches.push(startListWatch<V1Pod>(this.kc, {
        path: '/api/v1/pods',
        fieldSelector: 'spec.nodeName=',
        list: async () => await this.core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=' }),
        onSync: pods => { for (const p of pods) void this.bind(p) },
        onEvent: (type, pod) => { if (type !== 'DELETED') void this.bind(pod) }
      }, this.log))
    }
  }

  private async register (): Promise<void> {
    const node = this.nodeObject()
    try {
      await this.core.createNode({ body: node })
    } catch (err) {
      if (errCode(err) !== 409) throw err
    }
    await this.core.patchNodeStatus({ name: this.nodeName, body: { status: node.status } }, mergePatch)
  }

  private async renewLease (): Promise<void> {
    const name = this.nodeName
    const namespace = 'kube-node-lease'
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new V1MicroTime() }
    try {
      const lease = await this.coord.readNamespacedLease({ name, namespace })
      lease.spec = { ...lease.spec, ...spec }
      await this.coord.replaceNamespacedLease({ name, namespace, body: lease })
    } catch (err) {
      if (errCode(err) !== 404) throw err
      await this.coord.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } })
    }
  }

  private async beat (): Promise<void> {
    if (this.stopped) return
    try {
      await this.renewLease()
      await this.core.patchNodeStatus({ name: this.nodeName, body: { status: { conditions: this.conditions(new Date()) } } }, mergePatch)
    } catch (err) {
      if (!this.stopped) this.log.warn('node heartbeat failed', { err: (err as Error).message })
    }
  }

  private async bind (pod: V1Pod): Promise<void> {
    if (this.stopped || pod.spec?.nodeName != null || pod.metadata?.deletionTimestamp != null) return
    try {
      await this.core.createNamespacedBinding({
        namespace: pod.metadata?.namespace ?? 'default',
        body: { metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } }
      })
    } catch (err) {
      if (errCode(err) !== 409 && errCode(err) !== 404) this.log.warn('bind failed', { pod: key(pod), err: (err as Error).message })
    }
  }

  private syncAll (pods: V1Pod[]): void {
    const seen = new Set(pods.map(p => p.metadata?.uid))
    for (const [uid, w] of this.workers) {
      if (!seen.has(uid)) this.podGone(w.pod)
    }
    for (const p of pods) this.reconcile(p)
  }

  private reconcile (pod: V1Pod): void {
    if (this.stopped) return
    const uid = pod.metadata?.uid ?? ''
    const w = this.workers.get(uid)
    if (w != null) w.pod = pod
    if (pod.metadata?.deletionTimestamp != null) {
      void this.deletePod(pod)
      return
    }
    if (w != null) return
    const phase = pod.status?.phase
    if (phase === 'Succeeded' || phase === 'Failed') return
    const podIP = this.ips.take()
    const podDir = path.join(this.init.rootDir, 'pods', `${pod.metadata?.namespace}_${pod.metadata?.name}_${uid}`)
    const worker = createPodWorker({
      pod,
      podIP,
      hostIP: '127.0.0.1',
      nodeName: this.nodeName,
      podDir,
      images: this.init.images,
      baseEnv: this.serviceEnv(),
      restartBackoff: this.init.restartBackoff ?? { initialMs: 1000, maxMs: 30_000 },
      volumeSyncMs: this.init.volumeSyncMs ?? 2000
    }, {
      processes: this.processes,
      lookups: this.refLookups(),
      volumes: this.volumeSources(),
      logger: this.log,
      onChange: () => { this.markDirty(uid) }
    })
    this.workers.set(uid, worker)
    this.log.info('starting pod', { pod: key(pod), podIP })
    worker.start()
    this.markDirty(uid)
  }

  private serviceEnv (): Record<string, string> {
    const { host, port } = this.init.apiServer
    return {
      KUBERNETES_SERVICE_HOST: host,
      KUBERNETES_SERVICE_PORT: String(port),
      KUBERNETES_SERVICE_PORT_HTTPS: String(port),
      KUBERNETES_PORT: `tcp://${host}:${port}`,
      KUBERNETES_PORT_443_TCP: `tcp://${host}:${port}`,
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_ADDR: host,
      KUBERNETES_PORT_443_TCP_PORT: String(port)
    }
  }

  private async deletePod (pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? ''
    if (this.terminating.has(uid)) return
    this.terminating.add(uid)
    try {
      const w = this.workers.get(uid)
      if (w != null) {
        const graceMs = (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000
        await w.terminate(graceMs)
        this.ips.release(w.podIP)
        this.workers.delete(uid)
      }
      await this.core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid } } })
      this.log.info('pod deleted', { pod: key(pod) })
    } catch (err) {
      if (errCode(err) !== 404 && errCode(err) !== 409) this.log.warn('pod deletion failed', { pod: key(pod), err: (err as Error).message })
    } finally {
      this.terminating.delete(uid)
    }
  }

  /** The pod object is gone (force deletion): kill its processes at once. */
  private podGone (pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? ''
    const w = this.workers.get(uid)
    if (w == null) return
    this.workers.delete(uid)
    void w.terminate(0).then(() => { this.ips.release(w.podIP) })
  }

  private markDirty (uid: string): void {
    this.statusDirty.add(uid)
    void this.flushStatus(uid)
  }

  /** Writes the latest status of a pod; changes made while a write is in flight are coalesced. */
  private async flushStatus (uid: string): Promise<void> {
    if (this.statusInFlight.has(uid)) return
    this.statusInFlight.add(uid)
    try {
      while (this.statusDirty.has(uid) && !this.stopped) {
        this.statusDirty.delete(uid)
        const w = this.workers.get(uid)
        if (w == null) break
        const status = computePodStatus(w.pod, w.runtime, new Date())
        try {
          const updated = await this.core.patchNamespacedPodStatus({ name: w.pod.metadata?.name ?? '', namespace: w.pod.metadata?.namespace ?? '', body: { status } }, mergePatch)
          if (updated.metadata?.uid === uid && this.workers.get(uid) === w) w.pod = { ...w.pod, status: updated.status }
        } catch (err) {
          if (errCode(err) !== 404) this.log.warn('status update failed', { uid, err: (err as Error).message })
        }
      }
    } finally {
      this.statusInFlight.delete(uid)
    }
  }

  private decode (data: Record<string, string> | undefined): Record<string, Buffer> {
    const out: Record<string, Buffer> = {}
    for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, 'base64')
    return out
  }

  private async readSecret (namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
    try {
      const s = await this.core.readNamespacedSecret({ name, namespace })
      const out = this.decode(s.data)
      for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = Buffer.from(v)
      return out
    } catch (err) {
      if (errCode(err) === 404) return undefined
      throw err
    }
  }

  private async readConfigMap (namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ name, namespace })
      const out = this.decode(cm.binaryData)
      for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(v)
      return out
    } catch (err) {
      if (errCode(err) !== 404) throw err
      // Without kube-controller-manager nobody publishes the cluster CA: serve it ourselves.
      if (name === 'kube-root-ca.crt' && this.init.clusterCaFile != null) return { 'ca.crt': fs.readFileSync(this.init.clusterCaFile) }
      return undefined
    }
  }

  private refLookups (): RefLookups {
    const strings = (d: Record<string, Buffer> | undefined): Record<string, string> | undefined =>
      d == null ? undefined : Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.toString('utf8')]))
    return {
      secret: async (ns, name) => strings(await this.readSecret(ns, name)),
      configMap: async (ns, name) => strings(await this.readConfigMap(ns, name))
    }
  }

  private volumeSources (): VolumeSources {
    return {
      secret: async (ns, name) => await this.readSecret(ns, name),
      configMap: async (ns, name) => await this.readConfigMap(ns, name),
      claimDir: async (ns, claim) => {
        try {
          const pvc = await this.core.readNamespacedPersistentVolumeClaim({ name: claim, namespace: ns })
          if (pvc.status?.phase !== 'Bound' || pvc.spec?.volumeName == null) return undefined
          const pv = await this.core.readPersistentVolume({ name: pvc.spec.volumeName })
          return pv.spec?.hostPath?.path ?? pv.spec?.local?.path
        } catch (err) {
          if (errCode(err) === 404) return undefined
          throw err
        }
      },
      serviceAccountToken: async (pod, audience, expirationSeconds) => {
        const tr = await this.core.createNamespacedServiceAccountToken({
          name: pod.spec?.serviceAccountName ?? 'default',
          namespace: pod.metadata?.namespace ?? 'default',
          body: { spec: { audiences: audience != null && audience !== '' ? [audience] : [], expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid } } }
        })
        return tr.status?.token ?? ''
      }
    }
  }

  worker (namespace: string, name: string): PodWorker | undefined {
    for (const w of this.workers.values()) {
      if (w.pod.metadata?.namespace === namespace && w.pod.metadata?.name === name) return w
    }
    return undefined
  }

  podLogs (namespace: string, name: string): string {
    const w = this.worker(namespace, name)
    if (w == null) return `(no pod ${namespace}/${name} on ${this.nodeName})`
    return Object.entries(w.logFiles()).map(([c, f]) => `--- ${namespace}/${name}/${c} ---\n${tailFile(f, 3000)}`).join('\n')
  }

  runningPids (): number[] {
    const pids: number[] = []
    for (const w of this.workers.values()) {
      for (const c of [...w.runtime.init, ...w.runtime.containers]) if (c.state === 'running' && c.pid != null) pids.push(c.pid)
    }
    return pids
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.heartbeat != null) clearInterval(this.heartbeat)
    for (const w of this.watches) w.stop()
    this.provisioner?.stop()
    await this.server?.close()
    await Promise.all([...this.workers.values()].map(async w => { await w.terminate(2000) }))
    this.workers.clear()
  }
}

/** A local node agent: registers a Node and runs the pods bound to it as local processes. */
export function createKubelet (init: KubeletInit, components: KubeletComponents): Kubelet {
  return new LocalKubelet(init, components)
}
