/**
 * The operator as pods from its image on the real node: `helm install` of charts/lattice-operator,
 * then the leader (the Lease holder, which must be the one pod whose lattice_operator_is_leader is
 * 1), its metrics read straight from its pod IP (pods are on the node's bridge, reachable from this
 * process: no port-forward), its replacement by deleting the leader pod; the pods' logs are in a
 * failing test's output (the kit's failure dumps).
 * Shared by the real node suites that need the operator running in-cluster.
 */
import path from 'node:path'
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Lease, type V1Pod } from '@kubernetes/client-node'
import { repoRoot } from '../binaries.js'
import type { CommandResult } from '../controlplane.js'
import { registerDump, sampleValue, tail, waitFor } from '../../../packages/testkit/src/index.js'

/** What the chart harness needs of a real node suite (RealNodeContext fits). */
export interface OperatorChartCluster {
  kubeConfig: () => KubeConfig
  kubectl: (args: string[], opts?: { input?: string, timeoutMs?: number }) => Promise<CommandResult>
  readonly controlPlane: { helm: (args: string[], opts?: { cwd?: string, timeoutMs?: number }) => Promise<CommandResult> }
}

export interface OperatorChartInit {
  /** Release name (default lattice-operator: the Deployment and the ServiceAccount are then named lattice-operator). */
  release?: string
  /** Namespace of the release (default lattice-system, created). */
  namespace?: string
  /** replicaCount; with more than one the chart turns leader election on. */
  replicas: number
  /** Extra chart values as --set key=value pairs. */
  set?: Record<string, string | number | boolean>
  timeoutMs?: number
}

export interface OperatorLeader {
  pod: V1Pod
  /** holderIdentity of the Lease (`<pod name>-<pid>`: the operator's identity is hostname-pid). */
  holder: string
  leaseTransitions: number
}

export interface OperatorPods {
  readonly where: string
  readonly release: string
  readonly namespace: string
  /** The operator's pods that are not being deleted, by name. */
  pods: () => Promise<V1Pod[]>
  /** Waits until every replica is Ready and exactly one leads: the Lease holder, is_leader 1 there and 0 elsewhere. */
  leader: (timeoutMs?: number) => Promise<OperatorLeader>
  /** /metrics of one pod, from its pod IP. */
  metricsOf: (pod: V1Pod) => Promise<string>
  /** /metrics of the leader. */
  metrics: () => Promise<string>
  /**
   * Deletes the leader pod (a graceful delete: the operator releases the Lease on SIGTERM) and waits
   * for another pod to lead, then for the Deployment's replacement pod to follow. handoverMs: from
   * the delete to the other pod holding the Lease and saying it leads.
   */
  failover: () => Promise<{ from: OperatorLeader, to: OperatorLeader, handoverMs: number }>
  /** failover(), for the shared scenarios' OperatorUnderTest. */
  replace: () => Promise<void>
  /** Log tails of every pod of the release namespace (also registered as a failure dump). */
  logs: () => Promise<string>
  uninstall: () => Promise<void>
}

const LEASE = 'lattice-operator-leader'

/** lattice_operator_is_leader of one replica's metrics (undefined when absent). */
export const isLeaderGauge = (metrics: string): number | undefined => sampleValue(metrics, 'lattice_operator_is_leader')

/** The pod whose name the Lease holder identity (`<hostname>-<pid>`, the hostname being the pod name) starts with. */
const holderOf = (pods: V1Pod[], holder: string): V1Pod | undefined =>
  pods.find(p => holder.startsWith(`${p.metadata?.name ?? '?'}-`) && /^\d+$/.test(holder.slice((p.metadata?.name ?? '').length + 1)))

const podReady = (p: V1Pod): boolean => p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') === true

class ChartOperator implements OperatorPods {
  readonly where: string
  readonly release: string
  readonly namespace: string
  private readonly metricsPort: number
  private unregisterDump: () => void = () => {}

  constructor (private readonly cluster: OperatorChartCluster, private readonly init: OperatorChartInit) {
    this.release = init.release ?? 'lattice-operator'
    this.namespace = init.namespace ?? 'lattice-system'
    this.metricsPort = Number(init.set?.['metrics.port'] ?? 8080)
    this.where = `${init.replicas} pod(s) of the lattice-operator image (helm release ${this.namespace}/${this.release})`
  }

  private core (): CoreV1Api { return this.cluster.kubeConfig().makeApiClient(CoreV1Api) }

  async install (): Promise<void> {
    this.unregisterDump = registerDump({ name: `operator pods: ${this.where}`, dump: async () => await this.logs() })
    const set = Object.entries({ replicaCount: this.init.replicas, ...this.init.set }).flatMap(([k, v]) => ['--set', `${k}=${String(v)}`])
    const timeoutMs = this.init.timeoutMs ?? 300_000
    const r = await this.cluster.controlPlane.helm(['install', this.release, path.join(repoRoot(), 'charts', 'lattice-operator'), '-n', this.namespace, '--create-namespace',
      '--wait', '--timeout', `${Math.round(timeoutMs / 1000)}s`, ...set], { timeoutMs: timeoutMs + 30_000 })
    if (r.code !== 0) throw new Error(`helm install ${this.release} failed: ${r.stderr}`)
  }

  async pods (): Promise<V1Pod[]> {
    const list = await this.core().listNamespacedPod({ namespace: this.namespace, labelSelector: `app.kubernetes.io/name=lattice-operator,app.kubernetes.io/instance=${this.release}` })
    return list.items.filter(p => p.metadata?.deletionTimestamp == null).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
  }

  async metricsOf (pod: V1Pod): Promise<string> {
    const ip = pod.status?.podIP
    if (ip === undefined) throw new Error(`operator pod ${pod.metadata?.name ?? ''} has no IP`)
    const res = await fetch(`http://${ip}:${this.metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) })
    if (!res.ok) throw new Error(`operator pod ${pod.metadata?.name ?? ''} /metrics: HTTP ${res.status}`)
    return await res.text()
  }

  private async lease (): Promise<V1Lease | undefined> {
    return await this.cluster.kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: LEASE, namespace: this.namespace }).catch(() => undefined)
  }

  /** The current leader without waiting, or undefined while the replicas do not agree. */
  private async currentLeader (): Promise<OperatorLeader | undefined> {
    const lease = await this.lease()
    const holder = lease?.spec?.holderIdentity ?? ''
    const pods = await this.pods()
    if (pods.length !== this.init.replicas || !pods.every(podReady)) return undefined
    // One replica runs without leader election (no Lease): it leads from the start.
    const holderPod = this.init.replicas === 1 && lease === undefined ? pods[0] : holderOf(pods, holder)
    if (holderPod === undefined) return undefined
    for (const p of pods) {
      const gauge = isLeaderGauge(await this.metricsOf(p).catch(() => ''))
      if (gauge !== (p === holderPod ? 1 : 0)) return undefined
    }
    return { pod: holderPod, holder, leaseTransitions: lease?.spec?.leaseTransitions ?? 0 }
  }

  async leader (timeoutMs = 120_000): Promise<OperatorLeader> {
    return await waitFor(`one leader among ${this.init.replicas} Ready operator pod(s): the Lease holder with lattice_operator_is_leader 1, the others 0`,
      async () => await this.currentLeader().catch(() => undefined), { timeoutMs, intervalMs: 250 })
  }

  async metrics (): Promise<string> {
    return await this.metricsOf((await this.leader()).pod)
  }

  async failover (): Promise<{ from: OperatorLeader, to: OperatorLeader, handoverMs: number }> {
    const from = await this.leader()
    const fromName = from.pod.metadata?.name ?? ''
    const started = Date.now()
    const r = await this.cluster.kubectl(['delete', 'pod', '-n', this.namespace, fromName, '--wait=false'])
    if (r.code !== 0) throw new Error(`kubectl delete pod ${fromName}: ${r.stderr}`)
    // The handover: another pod holds the Lease and says it leads.
    let handoverMs = 0
    await waitFor(`another operator pod than ${fromName} leading`, async () => {
      const holder = (await this.lease())?.spec?.holderIdentity ?? ''
      if (holder === '' || holder === from.holder) return false
      const pod = holderOf(await this.pods(), holder)
      if (pod === undefined || isLeaderGauge(await this.metricsOf(pod).catch(() => '')) !== 1) return false
      handoverMs = Date.now() - started
      return true
    }, { timeoutMs: 120_000, intervalMs: 100 })
    // Then the Deployment's replacement pod is up as a follower.
    const to = await this.leader(240_000)
    return { from, to, handoverMs }
  }

  async replace (): Promise<void> {
    await this.failover()
  }

  async logs (): Promise<string> {
    const parts: string[] = []
    const all = (await this.core().listNamespacedPod({ namespace: this.namespace }).catch(() => ({ items: [] as V1Pod[] }))).items
    for (const p of all) {
      const name = p.metadata?.name ?? ''
      const l = await this.cluster.kubectl(['logs', '-n', this.namespace, name, '--tail=200'])
      parts.push(`=== operator pod ${name}\n${tail(l.stdout + l.stderr, 200)}`)
    }
    return parts.join('\n')
  }

  async uninstall (): Promise<void> {
    this.unregisterDump()
    await this.cluster.controlPlane.helm(['uninstall', this.release, '-n', this.namespace, '--wait', '--timeout', '120s'], { timeoutMs: 150_000 })
  }
}

/** Installs the chart (waiting for its pods) and, with several replicas, waits for exactly one leader. */
export async function installOperatorChart (cluster: OperatorChartCluster, init: OperatorChartInit): Promise<OperatorPods> {
  const op = new ChartOperator(cluster, init)
  await op.install()
  if (init.replicas > 1) await op.leader()
  return op
}
