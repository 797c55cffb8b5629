/**
 * A local Kubernetes with a real node until Ctrl-C: etcd, kube-apiserver (CRDs of crds/),
 * controller-manager, scheduler, containerd, kubelet, kube-proxy, CoreDNS.
 *   node dist/test/cluster/realnode/up.js [--keep] [image.tar ...]     (make realnode-up)
 * Image archives given are loaded into containerd. --keep leaves the state dirs after stop.
 */
import path from 'node:path'
import { createLogger } from '../../../packages/log/src/index.js'
import { binDir } from '../binaries.js'
import { stopOnInterrupt } from '../interrupt.js'
import { startRealNodeCluster } from './node.js'

async function main (): Promise<void> {
  const keep = process.argv.includes('--keep')
  const images = process.argv.slice(2).filter(a => !a.startsWith('--'))
  const logger = createLogger('warn', { service: 'lattice-realnode' })
  const t0 = Date.now()
  const cluster = await startRealNodeCluster({ imageArchives: images.map(i => path.resolve(i)), keepState: keep }, logger)
  const { controlPlane: cp, node } = cluster
  process.stdout.write([
    `control plane and real node ${node.nodeName} Ready in ${Date.now() - t0} ms: ${cp.server}`,
    `  export KUBECONFIG=${cp.kubeconfigPath}`,
    `  export PATH=${binDir()}:$PATH   # kubectl, helm`,
    `  node state and logs: ${node.layout.stateDir}`,
    'Ctrl-C stops everything.',
    ''
  ].join('\n'))
  stopOnInterrupt(async () => {
    await cluster.stop()
  })
}

await main()
