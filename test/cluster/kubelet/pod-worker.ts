import fs from 'node:fs'
import path from 'node:path'
import type { V1Pod } from '@kubernetes/client-node'
import type { Logger } from '../../../packages/log/src/index.js'
import type { ProcessRegistry } from '../process.js'
import { ContainerRunner, type ContainerHost } from './container-runner.js'
import type { PodFacts, RefLookups } from './env.js'
import type { ImageTable } from './images.js'
import type { PodRuntimeState } from './status.js'
import { prepareVolumes, type VolumeSources } from './volumes.js'

export interface RestartBackoff {
  initialMs: number
  maxMs: number
}

export interface PodWorkerInit {
  pod: V1Pod
  podIP: string
  hostIP: string
  nodeName: string
  /** The pod's directory: sandbox root (`rootfs`), volumes, logs. */
  podDir: string
  images: ImageTable
  /** Variables every container sees (service discovery of the API server). */
  baseEnv: Record<string, string>
  restartBackoff: RestartBackoff
  /** How often Secret/ConfigMap volumes are refreshed. */
  volumeSyncMs: number
}

export interface PodWorkerComponents {
  processes: ProcessRegistry
  lookups: RefLookups
  volumes: VolumeSources
  logger: Logger
  /** Called after every runtime change; the kubelet coalesces and writes pod status. */
  onChange: () => void
}

/** One pod on the local node: sandbox, volumes, its containers as processes, probes, restarts. */
export interface PodWorker {
  readonly uid: string
  readonly podIP: string
  readonly sandbox: string
  readonly runtime: PodRuntimeState
  pod: V1Pod
  start: () => void
  /** SIGTERM every container, SIGKILL after graceMs; resolves when all processes are gone. */
  terminate: (graceMs: number) => Promise<void>
  /** Container log paths by container name. */
  logFiles: () => Record<string, string>
}

class LocalPodWorker implements PodWorker, ContainerHost {
  readonly uid: string
  readonly podIP: string
  readonly podDir: string
  readonly sandbox: string
  readonly runtime: PodRuntimeState
  readonly init: PodWorkerInit
  readonly components: PodWorkerComponents
  pod: V1Pod
  volumeDirs = new Map<string, string>()
  private readonly initRunners: ContainerRunner[]
  private readonly runners: ContainerRunner[]
  private terminating = false
  private volumeTimer: NodeJS.Timeout | undefined

  constructor (init: PodWorkerInit, components: PodWorkerComponents) {
    this.init = init
    this.components = components
    this.pod = init.pod
    this.uid = init.pod.metadata?.uid ?? ''
    this.podIP = init.podIP
    this.podDir = init.podDir
    this.sandbox = path.join(init.podDir, 'rootfs')
    this.initRunners = (init.pod.spec?.initContainers ?? []).map(c => new ContainerRunner(this, c, true))
    this.runners = (init.pod.spec?.containers ?? []).map(c => new ContainerRunner(this, c, false))
    this.runtime = {
      hostIP: init.hostIP,
      podIP: init.podIP,
      startTime: new Date(),
      initialized: this.initRunners.length === 0,
      init: this.initRunners.map(r => r.state),
      containers: this.runners.map(r => r.state)
    }
  }

  logFiles (): Record<string, string> {
    const out: Record<string, string> = {}
    for (const r of [...this.initRunners, ...this.runners]) out[r.spec.name] = r.logFile
    return out
  }

  start (): void {
    void this.run().catch(err => {
      this.components.logger.error('pod worker failed', { pod: this.pod.metadata?.name, err })
    })
  }

  private async sleep (ms: number): Promise<void> {
    await new Promise(resolve => setTimeout(resolve, ms))
  }

  private async run (): Promise<void> {
    fs.mkdirSync(this.sandbox, { recursive: true })
    const facts: PodFacts = { podIP: this.podIP, hostIP: this.init.hostIP, nodeName: this.init.nodeName }
    // Volumes first: a pod whose Secret or PVC is missing waits in ContainerCreating, as in Kubernetes.
    for (;;) {
      if (this.terminating) return
      try {
        this.volumeDirs = await prepareVolumes(this.pod, this.podDir, facts, this.components.volumes)
        this.runtime.podFailure = undefined
        break
      } catch (err) {
        this.runtime.podFailure = { reason: 'ContainerCreating', message: (err as Error).message }
        for (const r of this.runners) { r.state.waitingReason = 'ContainerCreating'; r.state.waitingMessage = (err as Error).message }
        this.components.onChange()
        await this.sleep(1000)
      }
    }
    this.components.onChange()
    this.volumeTimer = setInterval(() => {
      prepareVolumes(this.pod, this.podDir, facts, this.components.volumes)
        .then(dirs => { this.volumeDirs = dirs })
        .catch(err => { this.components.logger.warn('volume refresh failed', { pod: this.pod.metadata?.name, err: (err as Error).message }) })
    }, this.init.volumeSyncMs)
    for (const r of this.initRunners) {
      if (this.terminating) return
      const code = await new Promise<number>(resolve => {
        r.onFinal = resolve
        void r.launch()
      })
      if (code !== 0) {
        this.runtime.finished = 'Failed'
        this.components.onChange()
        return
      }
    }
    this.runtime.initialized = true
    if (this.terminating) return
    for (const r of this.runners) {
      r.onFinal = () => { this.checkFinished() }
      void r.launch()
    }
  }

  private checkFinished (): void {
    if (this.terminating) return
    if (!this.runners.every(r => r.state.state === 'terminated')) return
    this.runtime.finished = this.runners.every(r => r.state.exitCode === 0) ? 'Succeeded' : 'Failed'
    this.components.onChange()
  }

  async terminate (graceMs: number): Promise<void> {
    this.terminating = true
    if (this.volumeTimer != null) clearInterval(this.volumeTimer)
    await Promise.all([...this.initRunners, ...this.runners].map(async r => { await r.stop(graceMs) }))
    this.components.onChange()
  }
}

export function createPodWorker (init: PodWorkerInit, components: PodWorkerComponents): PodWorker {
  return new LocalPodWorker(init, components)
}
