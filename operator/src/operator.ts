/**
 * Wires the operator: informers (caches), the two controllers, the probe loop, leader election,
 * metrics and health servers. Informers run on every replica (warm caches, readiness); the
 * controllers and the probe loop run only on the leader.
 */
import { hostname } from 'node:os'
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node'
import type { Logger } from '../../packages/log/src/index.js'
import { API_VERSION, LABEL_MANAGED_BY, MANAGED_BY, NETWORK_KIND, NETWORK_PLURAL, NODE_KIND, NODE_PLURAL } from './api/constants.js'
import type { AddressMode } from './api/types.js'
import { createKubeClient } from './kube/client.js'
import { shareConnections } from './kube/connections.js'
import { createEventRecorder } from './kube/events.js'
import { createResourceInformer, type ResourceInformer, type ResourceSpec } from './kube/informer.js'
import { createLeaderElector, type LeaderElector } from './leader/lease.js'
import { createOperatorMetrics, type OperatorMetrics } from './metrics/metrics.js'
import { createNodeProber } from './probe/prober.js'
import { startHealthServer, startMetricsServer, type HttpEndpoint, type ListenAddress } from './health/server.js'
import type { Caches, OperatorContext } from './controllers/context.js'
import { createControllerRunner, type ControllerRunner } from './controllers/runner.js'
import { networkController } from './controllers/network/controller.js'
import { nodeController } from './controllers/node/controller.js'
import { createProbeLoop, type ProbeLoop } from './controllers/node/probe-loop.js'
import { allKeys, connectWatches, type ControllerDefinition } from './controllers/watch.js'


export interface OperatorInit {
  /** undefined = all namespaces */
  watchNamespace?: string
  leaderElect: boolean
  leaderElectionNamespace: string
  leaseName?: string
  identity?: string
  metricsAddr?: ListenAddress
  healthAddr?: ListenAddress
  probeIntervalMs: number
  probeTimeoutMs?: number
  probeConcurrency?: number
  divergenceGraceMs?: number
  /** spec.tls rotation: how long a mounted Secret/ConfigMap change may take to reach the pods (default 120 s). */
  tlsPropagationMs?: number
  addressMode: AddressMode
  clusterDomain: string
  workers?: number
  leaseDurationMs?: number
  renewDeadlineMs?: number
  retryPeriodMs?: number
  /** Namespace of the operator's own pods (POD_NAMESPACE): the nodes' NetworkPolicy admits the operator from there. */
  operatorNamespace?: string
}

export interface OperatorComponents {
  kubeConfig: KubeConfig
  logger: Logger
  /** Called when leadership is lost; main exits so a fresh process competes again. */
  onLostLeadership?: () => void
}

export interface Operator {
  start(): Promise<void>
  stop(): Promise<void>
  readonly metrics: OperatorMetrics
  readonly context: OperatorContext
  isLeader(): boolean
  readonly metricsPort: number | undefined
  readonly healthPort: number | undefined
}

const R = {
  networks: { apiVersion: API_VERSION, kind: NETWORK_KIND, plural: NETWORK_PLURAL },
  nodes: { apiVersion: API_VERSION, kind: NODE_KIND, plural: NODE_PLURAL },
  pods: { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
  services: { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  secrets: { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  configMaps: { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  pvcs: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims' },
  pdbs: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
  networkPolicies: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies' }
} as const satisfies Record<keyof Caches, ResourceSpec>

class LatticeOperator implements Operator {
  readonly metrics: OperatorMetrics
  readonly context: OperatorContext
  private readonly caches: Caches
  private readonly controllers: Array<{ def: ControllerDefinition, runner: ControllerRunner }>
  private readonly probeLoop: ProbeLoop
  private readonly elector: LeaderElector | undefined
  private leading = false
  private stopping = false
  private started = false
  private metricsServer: HttpEndpoint | undefined
  private healthServer: HttpEndpoint | undefined

  constructor (private readonly init: OperatorInit, private readonly c: OperatorComponents) {
    this.metrics = createOperatorMetrics({ defaultMetrics: true })
    if (!shareConnections(c.kubeConfig)) c.logger.warn('could not share API connections: every request opens its own (client-node internals changed)')
    const onRequest = (verb: string, kind: string): void => this.metrics.apiRequest(verb, kind)
    const client = createKubeClient({}, { kubeConfig: c.kubeConfig, onRequest })
    const informer = <T extends KubernetesObject>(r: ResourceSpec, managedOnly: boolean): ResourceInformer<T> => createResourceInformer<T>({
      resource: r,
      ...(init.watchNamespace !== undefined ? { namespace: init.watchNamespace } : {}),
      ...(managedOnly ? { labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY}` } : {})
    }, { kubeConfig: c.kubeConfig, logger: c.logger, onRestart: k => this.metrics.informerRestart(k), onRequest })
    this.caches = {
      networks: informer(R.networks, false),
      nodes: informer(R.nodes, false),
      pods: informer(R.pods, true),
      services: informer(R.services, true),
      secrets: informer(R.secrets, true),
      configMaps: informer(R.configMaps, true),
      pvcs: informer(R.pvcs, true),
      pdbs: informer(R.pdbs, true),
      networkPolicies: informer(R.networkPolicies, true)
    }
    const identity = init.identity ?? `${hostname()}-${process.pid}`
    this.context = {
      client,
      caches: this.caches,
      events: createEventRecorder({ instance: identity }, { kubeConfig: c.kubeConfig, logger: c.logger, onRequest }),
      metrics: this.metrics,
      prober: createNodeProber({ timeoutMs: init.probeTimeoutMs ?? Math.min(2000, init.probeIntervalMs), concurrency: init.probeConcurrency ?? 8 }),
      logger: c.logger,
      config: {
        clusterDomain: init.clusterDomain,
        addressMode: init.addressMode,
        probeIntervalMs: init.probeIntervalMs,
        probeTimeoutMs: init.probeTimeoutMs ?? Math.min(2000, init.probeIntervalMs),
        divergenceGraceMs: init.divergenceGraceMs ?? 3 * init.probeIntervalMs,
        tlsPropagationMs: init.tlsPropagationMs ?? 120_000,
        ...(init.operatorNamespace !== undefined ? { operatorNamespace: init.operatorNamespace } : {})
      },
      now: () => new Date(),
      nodeNetworks: new Map(),
      externalPeerMemory: new Map()
    }
    const run = (def: ControllerDefinition): { def: ControllerDefinition, runner: ControllerRunner } => {
      const runner = createControllerRunner({ name: def.name, kind: def.kind }, { reconcile: def.reconcile, metrics: this.metrics, logger: c.logger })
      connectWatches(def, key => { runner.enqueue(key) })
      return { def, runner }
    }
    const nodes = run(nodeController(this.context))
    this.controllers = [run(networkController(this.context)), nodes]
    this.probeLoop = createProbeLoop(this.context, key => { nodes.runner.enqueue(key) }, c.logger)
    if (init.leaderElect) {
      this.elector = createLeaderElector({
        namespace: init.leaderElectionNamespace,
        name: init.leaseName ?? 'lattice-operator-leader',
        identity,
        ...(init.leaseDurationMs !== undefined ? { leaseDurationMs: init.leaseDurationMs } : {}),
        ...(init.renewDeadlineMs !== undefined ? { renewDeadlineMs: init.renewDeadlineMs } : {}),
        ...(init.retryPeriodMs !== undefined ? { retryPeriodMs: init.retryPeriodMs } : {})
      }, {
        kubeConfig: c.kubeConfig,
        logger: c.logger,
        onRequest,
        onStartedLeading: () => { this.lead() },
        onStoppedLeading: () => { void this.unlead() }
      })
    }
  }

  private lead (): void {
    if (this.leading) return
    this.leading = true
    this.metrics.setLeader(true)
    // Everything known is queued once: level-triggered reconciles pick up where anybody left off.
    const workers = this.init.workers ?? 2
    for (const { def, runner } of this.controllers) {
      for (const key of allKeys(def)) runner.enqueue(key)
      runner.start(workers)
    }
    this.probeLoop.start()
    void this.probeLoop.runOnce().catch(() => {})
  }

  private async unlead (): Promise<void> {
    if (!this.leading) return
    this.leading = false
    this.metrics.setLeader(false)
    await this.probeLoop.stop()
    await Promise.all(this.controllers.map(async ({ runner }) => await runner.stop()))
    if (!this.stopping) this.c.onLostLeadership?.()
  }

  isLeader (): boolean { return this.leading }
  get metricsPort (): number | undefined { return this.metricsServer?.port }
  get healthPort (): number | undefined { return this.healthServer?.port }

  async start (): Promise<void> {
    if (this.init.metricsAddr !== undefined) {
      const registry = this.metrics.registry
      this.metricsServer = await startMetricsServer(this.init.metricsAddr, { text: async () => await this.metrics.text(), contentType: registry.contentType })
    }
    if (this.init.healthAddr !== undefined) {
      this.healthServer = await startHealthServer(this.init.healthAddr, {
        healthy: () => true,
        ready: () => this.started && Object.values(this.caches).every((i: ResourceInformer<KubernetesObject>) => i.synced)
      })
    }
    await Promise.all(Object.values(this.caches).map(async (i: ResourceInformer<KubernetesObject>) => await i.start()))
    this.started = true
    this.c.logger.info('caches synced', { namespace: this.init.watchNamespace ?? '(all)' })
    if (this.elector !== undefined) this.elector.start()
    else this.lead()
  }

  async stop (): Promise<void> {
    this.stopping = true
    if (this.elector !== undefined) await this.elector.stop()
    this.leading = false
    await this.probeLoop.stop()
    await Promise.all(this.controllers.map(async ({ runner }) => await runner.stop()))
    await Promise.all(Object.values(this.caches).map(async (i: ResourceInformer<KubernetesObject>) => await i.stop()))
    await this.context.events.flush()
    await this.metricsServer?.close()
    await this.healthServer?.close()
  }
}

export function createOperator (init: OperatorInit, components: OperatorComponents): Operator {
  return new LatticeOperator(init, components)
}
