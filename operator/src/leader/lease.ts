/**
 * Leader election with a coordination.k8s.io/v1 Lease, as client-go does it: lease 15 s, renew
 * deadline 10 s, retry every 2 s. Expiry is judged by when THIS process last saw the lease's renewTime
 * change (local monotonic-ish clock), never by comparing clocks across machines. Lease times go
 * through V1MicroTime: the API server wants six fractional digits and rejects a plain Date's three.
 */
import { CoordinationV1Api, KubeConfig, V1MicroTime, type V1Lease } from '@kubernetes/client-node'
import type { Logger } from '../../../packages/log/src/index.js'
import { errorMessage, isConflict, isNotFound } from '../kube/errors.js'

export interface LeaderElector {
  /** Starts the election loop; resolves at once. */
  start(): void
  /** Stops; releases the lease when held (so another replica takes over at once). */
  stop(): Promise<void>
  isLeader(): boolean
  readonly identity: string
}

export interface LeaderElectorInit {
  namespace: string
  name: string
  identity: string
  leaseDurationMs?: number
  renewDeadlineMs?: number
  retryPeriodMs?: number
}

export interface LeaderElectorComponents {
  kubeConfig: KubeConfig
  logger: Logger
  onStartedLeading: () => void
  /** Called when leadership is lost (renew deadline passed or lease taken): the process should stop leading work. */
  onStoppedLeading: () => void
  onRequest?: (verb: 'get' | 'create' | 'patch', kind: string) => void
  now?: () => number
}

class LeaseElector implements LeaderElector {
  private readonly api: CoordinationV1Api
  private readonly leaseMs: number
  private readonly renewDeadlineMs: number
  private readonly retryMs: number
  private readonly now: () => number
  private leader = false
  private timer: NodeJS.Timeout | undefined
  private running = false
  private lastRenew = 0
  private observedRenew: string | undefined
  private observedAt = 0
  private inFlight: Promise<void> | undefined
  readonly identity: string

  constructor (private readonly init: LeaderElectorInit, private readonly c: LeaderElectorComponents) {
    this.api = c.kubeConfig.makeApiClient(CoordinationV1Api)
    this.leaseMs = init.leaseDurationMs ?? 15_000
    this.renewDeadlineMs = init.renewDeadlineMs ?? 10_000
    this.retryMs = init.retryPeriodMs ?? 2_000
    this.now = c.now ?? Date.now
    this.identity = init.identity
  }

  isLeader (): boolean { return this.leader }

  start (): void {
    this.running = true
    this.schedule(0)
  }

  private schedule (ms: number): void {
    if (!this.running) return
    this.timer = setTimeout(() => {
      this.inFlight = this.tick().finally(() => { this.inFlight = undefined; this.schedule(this.retryMs) })
    }, ms)
  }

  private setLeader (v: boolean): void {
    if (v === this.leader) return
    this.leader = v
    if (v) {
      this.c.logger.info('became leader', { lease: this.init.name, identity: this.identity })
      this.c.onStartedLeading()
    } else {
      this.c.logger.warn('lost leadership', { lease: this.init.name, identity: this.identity })
      this.c.onStoppedLeading()
    }
  }

  private async tick (): Promise<void> {
    try {
      const acquired = await this.tryAcquireOrRenew()
      if (acquired) {
        this.lastRenew = this.now()
        this.setLeader(true)
        return
      }
    } catch (err) {
      this.c.logger.warn('lease request failed', { lease: this.init.name, err: errorMessage(err) })
    }
    // Not renewed this round: keep leading until the renew deadline, then step down.
    if (this.leader && this.now() - this.lastRenew > this.renewDeadlineMs) this.setLeader(false)
    else if (this.leader && !this.running) this.setLeader(false)
  }

  private spec (lease: V1Lease | undefined, transitions: number, acquire: boolean): V1Lease['spec'] {
    const t = new V1MicroTime(this.now())
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
      acquireTime: acquire ? t : lease?.spec?.acquireTime ?? t,
      renewTime: t,
      leaseTransitions: transitions
    }
  }

  private async tryAcquireOrRenew (): Promise<boolean> {
    const { namespace, name } = this.init
    let lease: V1Lease | undefined
    try {
      this.c.onRequest?.('get', 'Lease')
      lease = await this.api.readNamespacedLease({ name, namespace })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    if (lease === undefined) {
      try {
        this.c.onRequest?.('create', 'Lease')
        await this.api.createNamespacedLease({ namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: this.spec(undefined, 0, true) } })
        return true
      } catch (err) {
        if (isConflict(err)) return false
        throw err
      }
    }
    const holder = lease.spec?.holderIdentity ?? ''
    const renew = lease.spec?.renewTime !== undefined ? new Date(lease.spec.renewTime).toISOString() : undefined
    if (renew !== this.observedRenew || holder === this.identity) {
      this.observedRenew = renew
      this.observedAt = this.now()
    }
    const durationMs = (lease.spec?.leaseDurationSeconds ?? Math.ceil(this.leaseMs / 1000)) * 1000
    const expired = this.now() - this.observedAt > durationMs
    if (holder !== this.identity && holder !== '' && !expired) return false
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (holder === this.identity ? 0 : 1)
    try {
      this.c.onRequest?.('patch', 'Lease')
      // replace carries resourceVersion: two candidates taking an expired lease at once → one gets 409.
      await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: this.spec(lease, transitions, holder !== this.identity) } })
      return true
    } catch (err) {
      if (isConflict(err)) return false
      throw err
    }
  }

  async stop (): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    await this.inFlight
    if (!this.leader) return
    try {
      const lease = await this.api.readNamespacedLease({ name: this.init.name, namespace: this.init.namespace })
      if (lease.spec?.holderIdentity === this.identity) {
        await this.api.replaceNamespacedLease({ name: this.init.name, namespace: this.init.namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } } })
      }
    } catch (err) {
      this.c.logger.warn('could not release the lease', { lease: this.init.name, err: errorMessage(err) })
    }
    this.setLeader(false)
  }
}

export function createLeaderElector (init: LeaderElectorInit, components: LeaderElectorComponents): LeaderElector {
  return new LeaseElector(init, components)
}
