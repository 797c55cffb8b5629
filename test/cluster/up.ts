/**
 * A local Kubernetes on this machine until Ctrl-C: etcd, kube-apiserver (with the CRDs of crds/),
 * kube-controller-manager, kube-scheduler and the local kubelet running the project's images.
 *   node dist/test/cluster/up.js [--keep]      (make cluster-up)
 * Prints the kubeconfig to export; --keep leaves the state dir (logs, etcd data) after stop.
 */
import { binDir } from './binaries.js'
import { stopOnInterrupt } from './interrupt.js'
import { startControlPlane } from './controlplane.js'
import { createLocalKubelet } from './local-kubelet.js'
import path from 'node:path'
import { createLogger } from '../../packages/log/src/index.js'

async function main (): Promise<void> {
  const keep = process.argv.includes('--keep')
  const logger = createLogger('warn', { service: 'lattice-local-cluster' })
  const t0 = Date.now()
  const cp = await startControlPlane({ controllerManager: true, scheduler: true, keepState: keep }, { logger })
  const kubelet = createLocalKubelet(cp, {}, logger)
  await kubelet.start()
  process.stdout.write([
    `local Kubernetes ready in ${Date.now() - t0} ms: ${cp.server}, node ${kubelet.nodeName}`,
    `  export KUBECONFIG=${cp.kubeconfigPath}`,
    `  export PATH=${binDir()}:$PATH   # kubectl, helm`,
    `  logs: ${path.join(cp.stateDir, 'logs')} and ${path.join(cp.stateDir, 'kubelet', 'pods')}/*/logs`,
    'Ctrl-C stops everything.',
    ''
  ].join('\n'))
  stopOnInterrupt(async () => {
    await kubelet.stop()
    await cp.stop()
  })
}

await main()
