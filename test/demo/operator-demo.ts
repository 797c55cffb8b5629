/**
 * `make run`: the whole system on this machine. A local Kubernetes control plane (etcd, kube-apiserver,
 * controller-manager, scheduler, built from Kubernetes' Go modules), the local kubelet that runs pods
 * as processes, the lattice-operator, and the three-node LatticeNetwork of manifests/samples/minimal.yaml.
 *
 *   node dist/test/demo/operator-demo.js [--sample=manifests/samples/minimal.yaml] [--keep]
 *
 * Prints the kubeconfig to export, `kubectl get lnet` as the network becomes ready, and each node's
 * dashboard URL; stops everything on Ctrl-C (--keep leaves the state dir with every log).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { binDir, createLocalKubelet, repoRoot, startControlPlane } from '../cluster/index.js'
import { stopOnInterrupt } from '../cluster/interrupt.js'
import { waitFor } from '../support/index.js'
import { createLogger } from '../../node/src/util/logger.js'

const OPERATOR_MAIN = fileURLToPath(new URL('../../operator/src/main.js', import.meta.url))

function arg (name: string): string | undefined {
  return process.argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3)
}

interface NetworkStatus { readyReplicas?: number, replicas?: number, merkleRoot?: string, nodes?: Array<{ name: string, podIP?: string, peerCount?: number, mode?: string }> }

async function main (): Promise<void> {
  const keep = process.argv.includes('--keep')
  const sample = path.resolve(repoRoot(), arg('sample') ?? 'manifests/samples/minimal.yaml')
  const logger = createLogger('warn', { service: 'lattice-demo' })
  const t0 = Date.now()
  const say = (line: string): void => { process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`) }

  say('starting the local control plane (etcd, kube-apiserver, controller-manager, scheduler) with the CRDs of crds/')
  const cp = await startControlPlane({ controllerManager: true, scheduler: true, keepState: keep }, { logger })
  const kubelet = createLocalKubelet(cp, {}, logger)
  await kubelet.start()
  say(`control plane ready at ${cp.server}; local kubelet node ${kubelet.nodeName}`)

  // The operator runs as its own process with the admin kubeconfig. Pods reach each other by pod IP
  // here (the local cluster has no DNS), so the operator generates bootstrap addresses from pod IPs.
  const operator = cp.processes.spawn({
    name: 'lattice-operator',
    command: process.execPath,
    args: [OPERATOR_MAIN, '--kubeconfig', cp.kubeconfigPath, '--address-mode', 'podIP', '--metrics-addr', '127.0.0.1:0', '--health-addr', '127.0.0.1:0', '--log-level', 'info'],
    logFile: path.join(cp.stateDir, 'logs', 'lattice-operator.log'),
    env: { ...process.env }
  })
  say(`lattice-operator started (log: ${operator.logFile})`)

  const applied = await cp.kubectl(['apply', '-n', 'default', '-f', sample])
  if (applied.code !== 0) throw new Error(`kubectl apply ${sample}: ${applied.stderr}`)
  say(`kubectl apply -n default -f ${path.relative(repoRoot(), sample)}: ${applied.stdout.trim()}`)

  const name = /latticenetwork[^/]*\/(\S+)/.exec(applied.stdout)?.[1] ?? 'aethel'
  let last = ''
  const status = await waitFor<NetworkStatus>(async () => {
    if (operator.hasExited()) return undefined
    const get = await cp.kubectl(['get', 'lnet', '-n', 'default', name, '-o', 'json'])
    if (get.code !== 0) return undefined
    const s = (JSON.parse(get.stdout) as { status?: NetworkStatus }).status ?? {}
    const line = `network ${name}: ${s.readyReplicas ?? 0}/${s.replicas ?? '?'} ready`
    if (line !== last) { say(line); last = line }
    const nodes = s.nodes ?? []
    return s.replicas !== undefined && s.readyReplicas === s.replicas && s.merkleRoot !== undefined && nodes.every(n => (n.peerCount ?? 0) === nodes.length - 1) ? s : undefined
  }, { timeoutMs: 180000, intervalMs: 1000, message: () => `network ${name} to be ready; operator log:\n${operator.tail(3000)}` })

  const table = await cp.kubectl(['get', 'lnet,lnode', '-n', 'default'])
  process.stdout.write(`\n${table.stdout}\n`)
  process.stdout.write([
    'The network is up. Try:',
    `  export KUBECONFIG=${cp.kubeconfigPath} PATH=${binDir()}:$PATH`,
    '  kubectl get lnet,lnode,pods -n default',
    `  kubectl patch lnet ${name} -n default --type=merge -p '{"spec":{"replicas":5}}'`,
    'Dashboards:',
    ...(status.nodes ?? []).map(n => `  ${n.name}: http://${n.podIP ?? '?'}:8080/`),
    'Ctrl-C stops everything.',
    ''
  ].join('\n'))

  stopOnInterrupt(async () => {
    await operator.stop(5000)
    await kubelet.stop()
    await cp.stop()
  })
}

main().catch((err: Error) => {
  process.stderr.write(`demo failed: ${err.message}\n`)
  process.exit(1)
})
