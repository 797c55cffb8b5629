// One container of a pod as a local process (launch, probes, restarts with back-off), split from the pod worker that sequences them.
import fs from 'node:fs'
import path from 'node:path'
import type { V1Container, V1Pod, V1Probe } from '@kubernetes/client-node'
import type { ManagedProcess } from '../process.js'
import { resolveEnv, type PodFacts } from './env.js'
import { expand } from './expand.js'
import { containerArgv, lookupImage } from './images.js'
import { rewriteMountPaths } from './mounts.js'
import type { PodWorkerComponents, PodWorkerInit } from './pod-worker.js'
import { ProbeTracker, runProbe } from './probes.js'
import type { ContainerRuntimeState } from './status.js'
import { mountVolumes } from './volumes.js'

/** What a container needs from the pod it runs in (the pod worker). */
export interface ContainerHost {
  readonly init: PodWorkerInit
  readonly components: PodWorkerComponents
  readonly pod: V1Pod
  readonly podIP: string
  readonly podDir: string
  readonly sandbox: string
  /** Volume name → host directory, ready once the pod's volumes are prepared. */
  readonly volumeDirs: Map<string, string>
}

export class ContainerRunner {
  readonly spec: V1Container
  readonly state: ContainerRuntimeState
  private proc: ManagedProcess | undefined
  private timers: NodeJS.Timeout[] = []
  private stopping = false
  private killedForLiveness = false
  private startupDone = false
  private readonly worker: ContainerHost
  private readonly isInit: boolean
  private backoffStep = 0
  /** Resolves when the container has finished for good (init containers: exit 0). */
  onFinal: ((code: number) => void) | undefined

  constructor (worker: ContainerHost, spec: V1Container, isInit: boolean) {
    this.worker = worker
    this.spec = spec
    this.isInit = isInit
    this.state = { name: spec.name, image: spec.image ?? '', restartCount: 0, state: 'waiting', waitingReason: isInit ? 'PodInitializing' : 'ContainerCreating', ready: false, started: false }
  }

  get logFile (): string {
    return path.join(this.worker.podDir, 'logs', `${this.spec.name}.log`)
  }

  async launch (): Promise<void> {
    if (this.stopping) return
    const w = this.worker
    let argv: string[]
    let env: Record<string, string>
    try {
      const image = lookupImage(w.init.images, this.spec.image ?? '')
      const facts: PodFacts = { podIP: w.podIP, hostIP: w.init.hostIP, nodeName: w.init.nodeName }
      const base = { ...w.init.baseEnv, ...(image.env ?? {}) }
      const resolved = await resolveEnv(w.pod, this.spec, facts, w.components.lookups, base)
      const mountPaths = mountVolumes(w.sandbox, this.spec.volumeMounts, w.volumeDirs)
      const map = (v: string): string => rewriteMountPaths(v, mountPaths, w.sandbox, p => fs.existsSync(p))
      env = {}
      // Variables from the image table (host paths) are kept; those the pod spec resolved are mapped.
      for (const [k, v] of resolved) env[k] = image.env?.[k] === v || w.init.baseEnv[k] === v ? v : map(v)
      const lookup = (n: string): string | undefined => env[n]
      argv = containerArgv(image, this.spec.command, this.spec.args, a => map(expand(a, lookup)))
      env = {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOSTNAME: w.pod.metadata?.name ?? '',
        HOME: w.sandbox,
        LATTICE_LOCAL_ROOT: w.sandbox,
        ...env
      }
    } catch (err) {
      this.state.state = 'waiting'
      this.state.waitingReason = 'CreateContainerConfigError'
      this.state.waitingMessage = (err as Error).message
      w.components.logger.warn('container config error', { pod: w.pod.metadata?.name, container: this.spec.name, err: (err as Error).message })
      w.components.onChange()
      this.later(1000, () => { void this.launch() })
      return
    }
    const cwd = this.spec.workingDir != null ? path.join(w.sandbox, this.spec.workingDir) : w.sandbox
    fs.mkdirSync(cwd, { recursive: true })
    fs.mkdirSync(path.dirname(this.logFile), { recursive: true })
    fs.appendFileSync(this.logFile, `--- ${new Date().toISOString()} start #${this.state.restartCount}: ${argv.join(' ')}\n`)
    const proc = w.components.processes.spawn({ name: `${w.pod.metadata?.name}/${this.spec.name}`, command: argv[0], args: argv.slice(1), env, cwd, logFile: this.logFile })
    this.proc = proc
    const startedAt = new Date()
    Object.assign(this.state, { state: 'running', pid: proc.pid, startedAt, waitingReason: undefined, waitingMessage: undefined, exitCode: undefined, finishedAt: undefined, terminationReason: undefined })
    this.startupDone = this.spec.startupProbe == null
    this.state.started = this.startupDone
    this.state.ready = !this.isInit && this.startupDone && this.spec.readinessProbe == null
    w.components.onChange()
    if (!this.isInit) this.startProbes()
    void proc.exited.then(code => { this.exited(proc, code, startedAt) })
  }

  private exited (proc: ManagedProcess, code: number | string, startedAt: Date): void {
    if (this.proc !== proc) return
    this.clearTimers()
    const w = this.worker
    const exitCode = typeof code === 'number' ? code : 128 + 9
    const reason = this.killedForLiveness ? 'Error' : (exitCode === 0 ? 'Completed' : 'Error')
    const finishedAt = new Date()
    Object.assign(this.state, { state: 'terminated', exitCode, terminationReason: reason, finishedAt, ready: false, started: false })
    this.killedForLiveness = false
    if (this.stopping) { w.components.onChange(); return }
    const policy = w.pod.spec?.restartPolicy ?? 'Always'
    // Init containers restart on failure unless the policy is Never (Kubernetes semantics).
    const restart = this.isInit
      ? exitCode !== 0 && policy !== 'Never'
      : policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0)
    if (!restart) {
      w.components.onChange()
      this.onFinal?.(exitCode)
      return
    }
    // Back-off as the kubelet does: doubling, capped, reset after a long healthy run.
    if (finishedAt.getTime() - startedAt.getTime() > 2 * w.init.restartBackoff.maxMs) this.backoffStep = 0
    const delay = Math.min(w.init.restartBackoff.initialMs * 2 ** this.backoffStep, w.init.restartBackoff.maxMs)
    this.backoffStep++
    this.state.lastTerminated = { exitCode, reason, startedAt, finishedAt }
    this.state.restartCount++
    Object.assign(this.state, { state: 'waiting', waitingReason: 'CrashLoopBackOff', waitingMessage: `back-off ${delay} ms restarting failed container` })
    w.components.onChange()
    this.later(delay, () => { void this.launch() })
  }

  private startProbes (): void {
    const probeCtx = (): Parameters<typeof runProbe>[1] => ({
      podIP: this.worker.podIP,
      container: this.spec,
      env: { PATH: process.env.PATH ?? '', LATTICE_LOCAL_ROOT: this.worker.sandbox },
      cwd: this.worker.sandbox,
      mapArg: a => a
    })
    const loop = (probe: V1Probe, onResult: (t: ProbeTracker, changed: boolean) => void, gate: () => boolean): void => {
      const tracker = new ProbeTracker(probe)
      const period = (probe.periodSeconds ?? 10) * 1000
      const tick = (): void => {
        if (this.stopping || this.state.state !== 'running') return
        if (!gate()) { this.later(period, tick); return }
        void runProbe(probe, probeCtx()).then(r => {
          if (this.stopping || this.state.state !== 'running') return
          onResult(tracker, tracker.record(r.ok))
          this.later(period, tick)
        })
      }
      this.later((probe.initialDelaySeconds ?? 0) * 1000, tick)
    }
    const sp = this.spec.startupProbe
    if (sp != null) {
      loop(sp, (t, changed) => {
        if (!changed) return
        if (t.state === 'success' && !this.startupDone) {
          this.startupDone = true
          this.state.started = true
          if (this.spec.readinessProbe == null) this.state.ready = true
          this.worker.components.onChange()
        } else if (t.state === 'failure' && !this.startupDone) {
          this.killForProbe('startup')
        }
      }, () => !this.startupDone)
    }
    const rp = this.spec.readinessProbe
    if (rp != null) {
      loop(rp, (t, changed) => {
        if (!changed) return
        this.state.ready = t.state === 'success'
        this.worker.components.onChange()
      }, () => this.startupDone)
    }
    const lp = this.spec.livenessProbe
    if (lp != null) {
      loop(lp, (t, changed) => {
        if (changed && t.state === 'failure') this.killForProbe('liveness')
      }, () => this.startupDone)
    }
  }

  private killForProbe (which: string): void {
    const w = this.worker
    w.components.logger.info('probe failed, restarting container', { pod: w.pod.metadata?.name, container: this.spec.name, probe: which })
    this.killedForLiveness = true
    const grace = (w.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000
    void this.proc?.stop(grace)
  }

  private later (ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers = this.timers.filter(x => x !== t)
      fn()
    }, ms)
    this.timers.push(t)
  }

  private clearTimers (): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
  }

  async stop (graceMs: number): Promise<void> {
    this.stopping = true
    this.clearTimers()
    await this.proc?.stop(graceMs)
    if (this.state.state !== 'terminated') {
      Object.assign(this.state, { state: 'terminated', exitCode: this.state.exitCode ?? 137, terminationReason: 'Killed', finishedAt: new Date(), ready: false })
    }
  }
}
