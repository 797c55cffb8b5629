import fs from 'node:fs'
import path from 'node:path'
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node'
import { createSilentLogger, type Logger } from '../../../packages/log/src/index.js'
import type { ProcessRegistry } from '../process.js'
import { tailFile } from '../process.js'
import { errCode, mergePatch } from './api-calls.js'
import type { ImageTable } from './images.js'
import { createNodeRegistration, type NodeRegistration } from './node-registration.js'
import { createPodSources, type PodSources } from './pod-sources.js'
import { createPodWorker, type PodWorker, type RestartBackoff } from './pod-worker.js'
import { computePodStatus } from './status.js'
import { createLocalPathProvisioner, type LocalPathProvisioner } from './storage.js'
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

function key (pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`
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
  private readonly sources: PodSources
  private readonly processes: ProcessRegistry
  private readonly log: Logger
  private readonly ips: IpPool
  private readonly workers = new Map<string, PodWorker>()
  /** uid → pod key, for the uids whose deletion is being carried out. */
  private readonly terminating = new Set<string>()
  private readonly statusDirty = new Set<string>()
  private readonly statusInFlight = new Set<string>()
  private watches: ListWatch[] = []
  private registration: NodeRegistration | undefined
  private provisioner: LocalPathProvisioner | undefined
  private server: KubeletServer | undefined
  private stopped = false

  constructor (init: KubeletInit, components: KubeletComponents) {
    this.init = init
    this.nodeName = init.nodeName ?? 'local-kubelet'
    this.kc = components.kubeConfig
    this.core = this.kc.makeApiClient(CoreV1Api)
    this.sources = createPodSources(this.core, init.clusterCaFile)
    this.processes = components.processes
    this.log = components.logger ?? createSilentLogger()
    this.ips = new IpPool(init.ipBase ?? randomIpBase())
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
    this.registration = createNodeRegistration({ nodeName: this.nodeName, labels: this.init.labels, heartbeatMs: this.init.heartbeatMs, kubeletPort: this.server?.port ?? 0 }, { kubeConfig: this.kc, logger: this.log })
    await this.registration.start()
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
      lookups: this.sources.lookups,
      volumes: this.sources.volumes,
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
    this.registration?.stop()
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
