/**
 * Operator benchmarks (`make bench operator`), real components throughout:
 * 1. apply of a 3-node LatticeNetwork → all children created, and → 3/3 Ready with the local kubelet
 *    running real lattice-node processes; API requests per reconcile during that bring-up; API
 *    writes while the network is steady.
 * 2. memory of the operator process (RSS from its own /metrics) with 50 networks of 3 nodes on an
 *    API server without kubelet (pods stay Pending: the operator still reconciles and caches them all).
 */
import { freePort, metricValue, waitFor } from '../../packages/testkit/src/index.js'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import yaml from 'js-yaml'
import winston from 'winston'
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node'
import { startControlPlane } from '../cluster/controlplane.js'
import { createLocalKubelet } from '../cluster/local-kubelet.js'
import { createTestNamespace } from '../cluster/namespace.js'
import { nodeBinary } from '../cluster/binaries.js'
import { createOperator } from '../../operator/src/operator.js'
import { report } from './stats.js'
import { apiWrites } from '../operator/helpers.js'

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'operator', 'src', 'main.js')

function network (name: string, replicas: number): string {
  return yaml.dump({ apiVersion: 'lattice.diotec360.com/v1alpha1', kind: 'LatticeNetwork', metadata: { name }, spec: { image: 'lattice-node:0.1.0', replicas } })
}

/** The operator's API writes (create, patch, delete) so far. */
const writeCount = (text: string): number => Object.values(apiWrites(text)).reduce((sum, n) => sum + n, 0)

async function childrenCreated (kc: KubeConfig, ns: string, net: string): Promise<boolean> {
  const core = kc.makeApiClient(CoreV1Api)
  const custom = kc.makeApiClient(CustomObjectsApi)
  const sel = `lattice.diotec360.com/network=${net}`
  const [nodes, pods, svcs, secrets, pvcs, cms] = await Promise.all([
    custom.listNamespacedCustomObject({ group: 'lattice.diotec360.com', version: 'v1alpha1', namespace: ns, plural: 'latticenodes', labelSelector: sel }) as Promise<{ items: unknown[] }>,
    core.listNamespacedPod({ namespace: ns, labelSelector: sel }),
    core.listNamespacedService({ namespace: ns, labelSelector: sel }),
    core.listNamespacedSecret({ namespace: ns, labelSelector: sel }),
    core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector: sel }),
    core.listNamespacedConfigMap({ namespace: ns, labelSelector: sel })
  ])
  // 3 nodes, 3 pods, 3 node Services + headless, 3 identity Secrets + network Secret, 3 PVCs, peers ConfigMap
  return nodes.items.length === 3 && pods.items.length === 3 && svcs.items.length === 4 && secrets.items.length === 4 && pvcs.items.length === 3 && cms.items.length === 1
}

async function bringUp (): Promise<void> {
  const cp = await startControlPlane({ controllerManager: false })
  const kubelet = createLocalKubelet(cp, { bindUnscheduled: true })
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] })
  let op: ReturnType<typeof createOperator> | undefined
  try {
    await kubelet.start()
    const kc = cp.kubeConfig()
    const ns = await createTestNamespace(kc, 'bench')
    op = createOperator({ watchNamespace: ns, leaderElect: false, leaderElectionNamespace: ns, metricsAddr: { host: '127.0.0.1', port: 0 }, probeIntervalMs: 1000, addressMode: 'podIP', clusterDomain: 'cluster.local' }, { kubeConfig: kc, logger })
    await op.start()
    const custom = kc.makeApiClient(CustomObjectsApi)
    const t0 = performance.now()
    const applied = await cp.kubectl(['-n', ns, 'apply', '-f', '-'], { input: network('bench', 3) })
    if (applied.code !== 0) throw new Error(applied.stderr)
    const tApplied = performance.now() - t0
    await waitFor('children created', async () => await childrenCreated(kc, ns, 'bench'), { timeoutMs: 60_000, intervalMs: 25 })
    const tChildren = performance.now() - t0
    await waitFor('3/3 Ready', async () => {
      const net = await custom.getNamespacedCustomObject({ group: 'lattice.diotec360.com', version: 'v1alpha1', namespace: ns, plural: 'latticenetworks', name: 'bench' }) as { status?: { readyReplicas?: number } }
      return net.status?.readyReplicas === 3
    }, { timeoutMs: 120_000, intervalMs: 25 })
    const tReady = performance.now() - t0
    report('kubectl apply itself (process start, discovery, create)', tApplied / 1000, 's')
    report('apply → all children created (3 nodes)', tChildren / 1000, 's')
    report('object stored → all children created (operator only)', (tChildren - tApplied) / 1000, 's')
    report('apply → 3/3 Ready (real kubelet, real lattice-node)', tReady / 1000, 's', { value: 5, better: 'lower' })
    // Let the network settle (peers, roots) before counting steady-state writes.
    await waitFor('peers 2, P2P', async () => {
      const net = await custom.getNamespacedCustomObject({ group: 'lattice.diotec360.com', version: 'v1alpha1', namespace: ns, plural: 'latticenetworks', name: 'bench' }) as { status?: { peers?: number, mode?: string, syncedReplicas?: number, conditions?: Array<{ type: string, status: string }> } }
      return net.status?.peers === 2 && net.status.mode === 'P2P' && net.status.syncedReplicas === 3 &&
        net.status.conditions?.some(c => c.type === 'Degraded' && c.status === 'False') === true &&
        net.status.conditions.some(c => c.type === 'Ready' && c.status === 'True')
    }, { timeoutMs: 120_000, intervalMs: 250 })
    const text = await op.metrics.text()
    const requests = metricValue(text, 'lattice_operator_api_requests_total')
    const writes = writeCount(text)
    const reconciles = metricValue(text, 'lattice_operator_reconcile_total')
    report('API requests per reconcile (bring-up, incl. informer lists)', requests / reconciles, 'req')
    report('API writes per reconcile (bring-up)', writes / reconciles, 'req')
    const before = writeCount(await op.metrics.text())
    const until = Date.now() + 30_000
    await waitFor('30 s steady', () => Date.now() >= until, { timeoutMs: 40_000, intervalMs: 500 })
    const after = writeCount(await op.metrics.text())
    report('API writes while steady (30 s)', after - before, 'writes', { value: 0.001, better: 'lower' })
  } finally {
    await op?.stop()
    await kubelet.stop()
    await cp.stop()
  }
}

async function memory (nodeOptions: string): Promise<void> {
  const cp = await startControlPlane({ controllerManager: false })
  const metricsPort = await freePort()
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-bench-op-'))
  const log = fs.openSync(path.join(logDir, 'operator.log'), 'w')
  const child = spawn(nodeBinary(), [MAIN, '--kubeconfig', cp.kubeconfigPath], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions, LATTICE_METRICS_ADDR: `127.0.0.1:${metricsPort}`, LATTICE_HEALTH_ADDR: '127.0.0.1:0', LATTICE_ADDRESS_MODE: 'podIP', LATTICE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', log, log]
  })
  const exited = new Promise(resolve => child.once('exit', resolve))
  try {
    const kc = cp.kubeConfig()
    const ns = await createTestNamespace(kc, 'mem')
    const docs = Array.from({ length: 50 }, (_, i) => network(`net-${i}`, 3)).join('---\n')
    const applied = await cp.kubectl(['-n', ns, 'apply', '-f', '-'], { input: docs, timeoutMs: 120_000 })
    if (applied.code !== 0) throw new Error(applied.stderr)
    const custom = kc.makeApiClient(CustomObjectsApi)
    const t0 = performance.now()
    await waitFor('150 LatticeNodes with pods and 50 network statuses', async () => {
      const nodes = await custom.listNamespacedCustomObject({ group: 'lattice.diotec360.com', version: 'v1alpha1', namespace: ns, plural: 'latticenodes' }) as { items: Array<{ status?: { peerId?: string } }> }
      const nets = await custom.listNamespacedCustomObject({ group: 'lattice.diotec360.com', version: 'v1alpha1', namespace: ns, plural: 'latticenetworks' }) as { items: Array<{ status?: { replicas?: number } }> }
      return nodes.items.length === 150 && nodes.items.every(n => n.status?.peerId !== undefined) && nets.items.every(n => n.status?.replicas === 3)
    }, { timeoutMs: 300_000, intervalMs: 500 })
    console.log(`operator NODE_OPTIONS: ${nodeOptions === '' ? '(none)' : nodeOptions}`)
    report('50 networks × 3 nodes reconciled (no kubelet)', (performance.now() - t0) / 1000, 's')
    const mem = async (): Promise<{ rss: number, heap: number }> => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
      return { rss: metricValue(text, 'process_resident_memory_bytes') / 1024 / 1024, heap: metricValue(text, 'nodejs_heap_size_used_bytes') / 1024 / 1024 }
    }
    const busy = await mem()
    report('operator RSS with 50 networks, right after reconciling them', busy.rss, 'MB')
    report('operator heap used, right after reconciling them', busy.heap, 'MB')
    const until = Date.now() + 30_000
    await waitFor('30 s idle', () => Date.now() >= until, { timeoutMs: 40_000, intervalMs: 500 })
    const idle = await mem()
    report('operator RSS with 50 networks, steady (30 s later)', idle.rss, 'MB', { value: 200, better: 'lower' })
    report('operator heap used, steady', idle.heap, 'MB')
  } finally {
    child.kill('SIGTERM')
    await exited
    fs.closeSync(log)
    await cp.stop()
  }
}

export async function run (): Promise<void> {
  const only = process.env.LATTICE_BENCH_OPERATOR
  if (only !== 'memory') await bringUp()
  if (only !== 'bringup') {
    // V8's defaults let the heap grow far beyond the live set during the reconcile burst; the
    // limits below (what the chart should set) keep RSS near the live set.
    await memory('')
    await memory('--max-old-space-size=128 --max-semi-space-size=2')
  }
}
