/**
 * Helpers for operator acceptance tests: run the operator in-process against the suite's cluster,
 * read LatticeNetworks/LatticeNodes, talk to node APIs. A failing test's output shows the operator's
 * log and the namespace (objects, events, pod logs) without asking: the kit's jest environment.
 */
import { disposeDir, registerDump, samplesOf, tail, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import fs from 'node:fs'
import path from 'node:path'
import winston from 'winston'
import yaml from 'js-yaml'
import { CoreV1Api, CustomObjectsApi, type V1Pod, type V1Secret } from '@kubernetes/client-node'
import type { ClusterContext } from '../cluster/harness.js'
import { createOperator, type Operator, type OperatorInit } from '../../operator/src/operator.js'
import type { LatticeNetwork, LatticeNode } from '../../operator/src/api/types.js'

/** What the helpers need of a cluster: the stand-in's ClusterContext and the real node's RealNodeContext both fit. */
export type OperatorTestCluster = Pick<ClusterContext, 'namespace' | 'kubeConfig' | 'kubectl'>

export interface RunningOperator {
  operator: Operator
  logFile: string
  stop: () => Promise<void>
}

/** The operator in this process; its log goes to a file that a failing test's output shows (the kit's jest environment). */
export async function startOperator (cluster: ClusterContext, overrides: Partial<OperatorInit> = {}, label = 'op'): Promise<RunningOperator> {
  const logDir = await tempDir('lattice-op-log-')
  const logFile = path.join(logDir, `${label}.log`)
  const logger = winston.createLogger({ level: 'debug', format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.File({ filename: logFile })] })
  const operator = createOperator({
    watchNamespace: cluster.namespace,
    leaderElect: false,
    leaderElectionNamespace: cluster.namespace,
    metricsAddr: { host: '127.0.0.1', port: 0 },
    healthAddr: { host: '127.0.0.1', port: 0 },
    probeIntervalMs: 1000,
    addressMode: 'podIP',
    clusterDomain: 'cluster.local',
    identity: label,
    ...overrides
  }, { kubeConfig: cluster.kubeConfig(), logger })
  let stopped = false
  // Not unregistered at stop: a test that restarts the operator shows both logs when it fails.
  registerDump({ name: `operator ${label} log`, dump: () => { try { return tail(fs.readFileSync(logFile, 'utf8'), 200) } catch { return '(no log)' } }, live: () => !stopped })
  await operator.start()
  return {
    operator,
    logFile,
    stop: async () => {
      if (stopped) return
      stopped = true
      await operator.stop()
      logger.close()
      await disposeDir(logDir)
    }
  }
}

export async function kubectlApply (cluster: OperatorTestCluster, obj: unknown): Promise<void> {
  const r = await cluster.kubectl(['-n', cluster.namespace, 'apply', '-f', '-'], { input: yaml.dump(obj) })
  if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`)
}

export async function mergePatchNetwork (cluster: OperatorTestCluster, name: string, patch: object): Promise<void> {
  const r = await cluster.kubectl(['-n', cluster.namespace, 'patch', 'lnet', name, '--type=merge', '-p', JSON.stringify(patch)])
  if (r.code !== 0) throw new Error(`kubectl patch failed: ${r.stderr}`)
}

export function networkManifest (name: string, spec: Record<string, unknown>): LatticeNetwork {
  return { apiVersion: 'lattice.diotec360.com/v1alpha1', kind: 'LatticeNetwork', metadata: { name }, spec: { image: 'lattice-node:0.1.0', ...spec } as LatticeNetwork['spec'] }
}

export class Api {
  readonly core: CoreV1Api
  readonly custom: CustomObjectsApi
  constructor (private readonly cluster: OperatorTestCluster) {
    this.core = cluster.kubeConfig().makeApiClient(CoreV1Api)
    this.custom = cluster.kubeConfig().makeApiClient(CustomObjectsApi)
  }

  async network (name: string): Promise<LatticeNetwork | undefined> {
    try {
      return await this.custom.getNamespacedCustomObject({ group: 'lattice.diotec360.com', version: 'v1alpha1', namespace: this.cluster.namespace, plural: 'latticenetworks', name }) as LatticeNetwork
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined
      throw err
    }
  }

  async nodes (network?: string): Promise<LatticeNode[]> {
    const list = await this.custom.listNamespacedCustomObject({ group: 'lattice.diotec360.com', version: 'v1alpha1', namespace: this.cluster.namespace, plural: 'latticenodes', ...(network !== undefined ? { labelSelector: `lattice.diotec360.com/network=${network}` } : {}) }) as { items: LatticeNode[] }
    return list.items.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '', 'en', { numeric: true }))
  }

  async pods (network: string): Promise<V1Pod[]> {
    const list = await this.core.listNamespacedPod({ namespace: this.cluster.namespace, labelSelector: `lattice.diotec360.com/network=${network},app.kubernetes.io/component=node` })
    return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }))
  }

  async token (network: string): Promise<string> {
    const s: V1Secret = await this.core.readNamespacedSecret({ name: `${network}-secrets`, namespace: this.cluster.namespace })
    return Buffer.from(s.data?.token ?? '', 'base64').toString()
  }
}

export const podReady = (p: V1Pod): boolean => p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') === true

/** POST to a node's API with the network token. */
export async function nodePost (ip: string, port: number, pathAndQuery: string, token: string, body?: unknown): Promise<{ status: number, body: string }> {
  const res = await fetch(`http://${ip}:${port}${pathAndQuery}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000)
  })
  return { status: res.status, body: await res.text() }
}

export async function metricsText (op: Operator): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${op.metricsPort ?? 0}/metrics`, { signal: AbortSignal.timeout(5000) })
  return await res.text()
}

/** The operator's API writes so far, by `verb kind` (from lattice_operator_api_requests_total). */
export function apiWrites (metrics: string): Record<string, number> {
  const writes: Record<string, number> = {}
  for (const s of samplesOf(metrics, 'lattice_operator_api_requests_total')) {
    if (['create', 'patch', 'delete'].includes(s.labels.verb ?? '')) writes[`${s.labels.verb} ${s.labels.kind ?? ''}`] = s.value
  }
  return writes
}

/** The writes in `after` that are not in `before`, by `verb kind` (empty when none). */
export function writesBetween (before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, d]) => d !== 0))
}

/** A network is settled: n/n ready and updated, every node up with `peers` peers in `mode`, one root. */
export async function waitSettled (api: Api, name: string, replicas: number, opts: { peers?: number, mode?: string, timeoutMs?: number } = {}): Promise<LatticeNetwork> {
  return await waitFor(`${name} ${replicas}/${replicas} ready, peers ${opts.peers ?? replicas - 1}, mode ${opts.mode ?? 'P2P'}, one root`, async () => {
    const net = await api.network(name)
    const s = net?.status
    if (s === undefined) return undefined
    const nodes = s.nodes ?? []
    const roots = new Set(nodes.map(n => n.merkleRoot))
    const ok = s.ready === `${replicas}/${replicas}` && s.readyReplicas === replicas && s.replicas === replicas &&
      s.peers === (opts.peers ?? replicas - 1) && s.mode === (opts.mode ?? 'P2P') && roots.size === 1 && s.merkleRoot !== undefined &&
      nodes.every(n => n.up === true && n.synced === true) && s.observedGeneration === net?.metadata.generation &&
      // every pod runs its node's current spec (no replacement in flight)
      s.updatedReplicas === replicas
    if (!ok) return undefined
    // The network status lags the pods by a reconcile: check the pods and nodes themselves too.
    const pods = await api.pods(name)
    const lnodes = await api.nodes(name)
    const podsOk = pods.length === replicas && pods.every(p => podReady(p) && p.metadata?.deletionTimestamp === undefined)
    const nodesOk = lnodes.length === replicas && lnodes.every(n => {
      const pod = pods.find(p => p.metadata?.name === n.metadata.name)
      return n.status?.observedGeneration === n.metadata.generation && n.status?.ready === true &&
        pod?.metadata?.annotations?.['lattice.diotec360.com/pod-spec-hash'] === n.status?.podSpecHash
    })
    return podsOk && nodesOk ? net : undefined
  }, { timeoutMs: opts.timeoutMs ?? 180_000, intervalMs: 500 })
}
