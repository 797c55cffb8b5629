/** The operator's Prometheus metrics (names are the contract the alert rules use). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { collectProcessMetrics } from '../../../packages/contracts/src/process-metrics.js'
import { EFFECTIVE_MODES } from '../../../packages/contracts/src/node-api.js'

export type ControllerName = 'latticenetwork' | 'latticenode'
export type ReconcileResult = 'success' | 'error' | 'requeue'

export interface NodeGaugeValues {
  up: boolean
  peerCount?: number
  httpSyncEnabled?: boolean
  mode?: string
  heartbeatActive?: boolean
  recordCount?: number
}

export interface OperatorMetrics {
  readonly registry: Registry
  reconcile(controller: ControllerName, result: ReconcileResult, seconds: number): void
  queueDepth(controller: ControllerName, depth: number): void
  setLeader(leader: boolean): void
  apiRequest(verb: string, kind: string): void
  informerRestart(kind: string): void
  setNode(namespace: string, network: string, node: string, v: NodeGaugeValues): void
  setNodeDiverged(namespace: string, network: string, node: string, diverged: boolean): void
  /** Divergence of the network's external peers (label node = the peer's name); drops peers no longer listed. */
  setExternalPeersDiverged(namespace: string, network: string, diverged: ReadonlyMap<string, boolean>): void
  removeNode(namespace: string, network: string, node: string): void
  setNetwork(namespace: string, network: string, v: { divergent: number, ready: number, desired: number }): void
  removeNetwork(namespace: string, network: string): void
  text(): Promise<string>
}

export interface OperatorMetricsInit { defaultMetrics?: boolean }


class PromOperatorMetrics implements OperatorMetrics {
  readonly registry = new Registry()
  private readonly nodeLabels = ['namespace', 'network', 'node'] as const
  private readonly netLabels = ['namespace', 'network'] as const
  private readonly reconcileTotal = new Counter({ name: 'lattice_operator_reconcile_total', help: 'Reconciles by controller and result.', labelNames: ['controller', 'result'], registers: [this.registry] })
  private readonly reconcileErrors = new Counter({ name: 'lattice_operator_reconcile_errors_total', help: 'Reconciles that failed.', labelNames: ['controller'], registers: [this.registry] })
  private readonly reconcileDuration = new Histogram({ name: 'lattice_operator_reconcile_duration_seconds', help: 'Reconcile duration.', labelNames: ['controller'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] })
  private readonly depth = new Gauge({ name: 'lattice_operator_workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['controller'], registers: [this.registry] })
  private readonly leader = new Gauge({ name: 'lattice_operator_is_leader', help: '1 when this replica holds the leader Lease.', registers: [this.registry] })
  private readonly apiRequests = new Counter({ name: 'lattice_operator_api_requests_total', help: 'Requests to the Kubernetes API by verb and kind.', labelNames: ['verb', 'kind'], registers: [this.registry] })
  private readonly informerRestarts = new Counter({ name: 'lattice_operator_informer_restarts_total', help: 'Informers restarted after they stopped on an error.', labelNames: ['kind'], registers: [this.registry] })
  private readonly nodeUp = new Gauge({ name: 'lattice_node_up', help: '1 when the last probe of the node API answered.', labelNames: this.nodeLabels, registers: [this.registry] })
  private readonly peerCount = new Gauge({ name: 'lattice_node_peers', help: 'P2P peers of the node.', labelNames: this.nodeLabels, registers: [this.registry] })
  private readonly httpSync = new Gauge({ name: 'lattice_node_http_sync_enabled', help: '1 when HTTP sync is on.', labelNames: this.nodeLabels, registers: [this.registry] })
  private readonly syncMode = new Gauge({ name: 'lattice_node_sync_mode', help: '1 for the node\'s effective sync mode.', labelNames: [...this.nodeLabels, 'mode'], registers: [this.registry] })
  private readonly heartbeat = new Gauge({ name: 'lattice_node_heartbeat_active', help: '1 when the heartbeat monitor runs.', labelNames: this.nodeLabels, registers: [this.registry] })
  private readonly diverged = new Gauge({ name: 'lattice_node_diverged', help: '1 when the node\'s Merkle root differs from the network\'s beyond the grace period.', labelNames: this.nodeLabels, registers: [this.registry] })
  private readonly records = new Gauge({ name: 'lattice_ledger_records', help: 'Records in the node\'s ledger.', labelNames: this.nodeLabels, registers: [this.registry] })
  private readonly netDivergent = new Gauge({ name: 'lattice_network_divergent_nodes', help: 'Diverged nodes of the network.', labelNames: this.netLabels, registers: [this.registry] })
  private readonly netReady = new Gauge({ name: 'lattice_network_ready_nodes', help: 'Ready nodes of the network.', labelNames: this.netLabels, registers: [this.registry] })
  private readonly netDesired = new Gauge({ name: 'lattice_network_desired_nodes', help: 'Desired nodes (spec.replicas).', labelNames: this.netLabels, registers: [this.registry] })
  private readonly knownNodes = new Map<string, Set<string>>()
  private readonly knownExternal = new Map<string, Set<string>>()

  constructor (init: OperatorMetricsInit) {
    if (init.defaultMetrics === true) collectProcessMetrics(this.registry)
    this.leader.set(0)
    for (const c of ['latticenetwork', 'latticenode']) {
      this.depth.set({ controller: c }, 0)
      this.reconcileErrors.inc({ controller: c }, 0)
      for (const r of ['success', 'error', 'requeue']) this.reconcileTotal.inc({ controller: c, result: r }, 0)
    }
  }

  reconcile (controller: ControllerName, result: ReconcileResult, seconds: number): void {
    this.reconcileTotal.inc({ controller, result })
    if (result === 'error') this.reconcileErrors.inc({ controller })
    this.reconcileDuration.observe({ controller }, seconds)
  }

  queueDepth (controller: ControllerName, depth: number): void { this.depth.set({ controller }, depth) }
  setLeader (leader: boolean): void { this.leader.set(leader ? 1 : 0) }
  apiRequest (verb: string, kind: string): void { this.apiRequests.inc({ verb, kind }) }
  informerRestart (kind: string): void { this.informerRestarts.inc({ kind }) }

  setNode (namespace: string, network: string, node: string, v: NodeGaugeValues): void {
    const l = { namespace, network, node }
    const key = `${namespace}/${network}`
    if (!this.knownNodes.has(key)) this.knownNodes.set(key, new Set())
    this.knownNodes.get(key)?.add(node)
    this.nodeUp.set(l, v.up ? 1 : 0)
    // Values of a node that does not answer are unknown: 0 peers and no mode, so peer-loss alerts fire.
    this.peerCount.set(l, v.up ? v.peerCount ?? 0 : 0)
    this.httpSync.set(l, v.up && v.httpSyncEnabled === true ? 1 : 0)
    this.heartbeat.set(l, v.up && v.heartbeatActive === true ? 1 : 0)
    this.records.set(l, v.recordCount ?? 0)
    for (const m of EFFECTIVE_MODES) this.syncMode.set({ ...l, mode: m }, v.up && v.mode === m ? 1 : 0)
  }

  setNodeDiverged (namespace: string, network: string, node: string, diverged: boolean): void {
    this.diverged.set({ namespace, network, node }, diverged ? 1 : 0)
  }

  setExternalPeersDiverged (namespace: string, network: string, diverged: ReadonlyMap<string, boolean>): void {
    const key = `${namespace}/${network}`
    for (const old of this.knownExternal.get(key) ?? []) if (!diverged.has(old)) this.diverged.remove({ namespace, network, node: old })
    for (const [node, d] of diverged) this.diverged.set({ namespace, network, node }, d ? 1 : 0)
    if (diverged.size === 0) this.knownExternal.delete(key)
    else this.knownExternal.set(key, new Set(diverged.keys()))
  }

  removeNode (namespace: string, network: string, node: string): void {
    const l = { namespace, network, node }
    for (const g of [this.nodeUp, this.peerCount, this.httpSync, this.heartbeat, this.diverged, this.records]) g.remove(l)
    for (const m of EFFECTIVE_MODES) this.syncMode.remove({ ...l, mode: m })
    this.knownNodes.get(`${namespace}/${network}`)?.delete(node)
  }

  setNetwork (namespace: string, network: string, v: { divergent: number, ready: number, desired: number }): void {
    const l = { namespace, network }
    this.netDivergent.set(l, v.divergent)
    this.netReady.set(l, v.ready)
    this.netDesired.set(l, v.desired)
  }

  removeNetwork (namespace: string, network: string): void {
    const l = { namespace, network }
    for (const g of [this.netDivergent, this.netReady, this.netDesired]) g.remove(l)
    for (const node of this.knownNodes.get(`${namespace}/${network}`) ?? []) this.removeNode(namespace, network, node)
    this.knownNodes.delete(`${namespace}/${network}`)
    this.setExternalPeersDiverged(namespace, network, new Map())
  }

  async text (): Promise<string> { return await this.registry.metrics() }
}

export function createOperatorMetrics (init: OperatorMetricsInit = {}): OperatorMetrics {
  return new PromOperatorMetrics(init)
}
