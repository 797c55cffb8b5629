/**
 * `make run`: the whole system on this machine. A local Kubernetes control plane (etcd, kube-apiserver,
 * controller-manager, scheduler, built from Kubernetes' Go modules), a node, the lattice-operator, and
 * the three-node LatticeNetwork of manifests/samples/minimal.yaml.
 *
 *   node dist/test/demo/operator-demo.js [--real-node] [--sample=manifests/samples/minimal.yaml] [--keep]
 *
 * --real-node (`make run`): a real node (containerd, kubelet, kube-proxy, CoreDNS; root), the images
 * of `make images` loaded into containerd, the operator installed with `helm install` of
 * charts/lattice-operator (a pod, its own ServiceAccount), nodes addressed by DNS names. Without it
 * (`make run-standin`): the stand-in kubelet that runs pods as processes, the operator as a local
 * process with the admin kubeconfig, nodes addressed by pod IPs.
 *
 * Prints the kubeconfig to export, `kubectl get lnet` as the network becomes ready, and each node's
 * dashboard URL; stops everything on Ctrl-C (--keep leaves the state dir with every log).
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { binDir, createLocalKubelet, repoRoot, startControlPlane, type ControlPlane } from '../cluster/index.js'
import { stopOnInterrupt } from '../cluster/interrupt.js'
import { builtImageArchives, startRealNodeCluster } from '../cluster/realnode/index.js'
import { createLogger, type Logger } from '../../packages/log/src/index.js'

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

  const { cp, operator, stop } = process.argv.includes('--real-node') ? await onRealNode(say, keep, logger) : await onStandIn(say, keep, logger)

  stopOnInterrupt(stop)
  try {
    // A chart's CRDs may still be on their way to Established right after `helm install`.
    const applied = await waitFor(`kubectl apply -f ${sample}`, async () => {
      const r = await cp.kubectl(['apply', '-n', 'default', '-f', sample])
      return r.code === 0 ? r : undefined
    }, { timeoutMs: 60_000, intervalMs: 1000 })
    say(`kubectl apply -n default -f ${path.relative(repoRoot(), sample)}: ${applied.stdout.trim()}`)

    const name = /latticenetwork[^/]*\/(\S+)/.exec(applied.stdout)?.[1] ?? 'aethel'
    let last = ''
    const status = await waitFor<NetworkStatus>(`network ${name} to be ready`, async () => {
      if (operator.exited()) return undefined
      const get = await cp.kubectl(['get', 'lnet', '-n', 'default', name, '-o', 'json'])
      if (get.code !== 0) return undefined
      const s = (JSON.parse(get.stdout) as { status?: NetworkStatus }).status ?? {}
      const line = `network ${name}: ${s.readyReplicas ?? 0}/${s.replicas ?? '?'} ready`
      if (line !== last) { say(line); last = line }
      const nodes = s.nodes ?? []
      return s.replicas !== undefined && s.readyReplicas === s.replicas && s.merkleRoot !== undefined && nodes.every(n => (n.peerCount ?? 0) === nodes.length - 1) ? s : undefined
    }, { timeoutMs: 180000, intervalMs: 1000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}; operator log:\n${await operator.log()}`)
    })

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
  } catch (err) {
    await stop()
    throw err
  }
}

/** What the demo drives: a control plane with a node and a running operator. */
interface DemoCluster {
  cp: ControlPlane
  operator: { exited: () => boolean, log: () => Promise<string> }
  stop: () => Promise<void>
}

async function onStandIn (say: (line: string) => void, keep: boolean, logger: Logger): Promise<DemoCluster> {
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
  return {
    cp,
    operator: { exited: () => operator.hasExited(), log: async () => operator.tail(3000) },
    stop: async () => {
      await operator.stop(5000)
      await kubelet.stop()
      await cp.stop()
    }
  }
}

async function onRealNode (say: (line: string) => void, keep: boolean, logger: Logger): Promise<DemoCluster> {
  const images = builtImageArchives()
  say('starting the control plane and a real node (containerd, kubelet, kube-proxy, CoreDNS), loading the images of `make images`')
  // The chart installs the CRDs (crds.enabled): the control plane does not apply them first.
  const cluster = await startRealNodeCluster({ imageArchives: images, crdsDir: false, keepState: keep }, logger)
  const cp = cluster.controlPlane
  say(`control plane ready at ${cp.server}; node ${cluster.node.nodeName} Ready`)
  const installed = await cp.helm(['install', 'lattice', path.join(repoRoot(), 'charts', 'lattice-operator'), '-n', 'lattice-system', '--create-namespace', '--wait', '--timeout', '5m'], { timeoutMs: 330_000 })
  if (installed.code !== 0) {
    await cluster.stop()
    throw new Error(`helm install: ${installed.stderr}`)
  }
  say('helm install lattice charts/lattice-operator -n lattice-system: the operator pod is Ready')
  return {
    cp,
    // The Deployment restarts a failed operator pod: only its log matters here.
    operator: { exited: () => false, log: async () => (await cp.kubectl(['logs', '-n', 'lattice-system', 'deploy/lattice-lattice-operator', '--tail=40'])).stdout },
    stop: async () => { await cluster.stop() }
  }
}

main().catch((err: Error) => {
  process.stderr.write(`demo failed: ${err.message}\n`)
  process.exit(1)
})
