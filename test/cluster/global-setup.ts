/**
 * Jest global setup: one control plane (etcd, kube-apiserver, controller-manager, scheduler) and
 * one local kubelet for the whole run; suites get fresh namespaces through useCluster(). Enable with
 *   jest --globalSetup <dist>/test/cluster/global-setup.js --globalTeardown <dist>/test/cluster/global-teardown.js
 * (or the same keys in jest.config.js). The kubelet runs in jest's main process, which outlives
 * every test worker. LATTICE_SHARED_CLUSTER=off disables it.
 */
import path from 'node:path'
import { binDir } from './binaries.js'
import { startControlPlane, type ControlPlane } from './controlplane.js'
import type { Kubelet } from './kubelet/index.js'
import { createLocalKubelet } from './local-kubelet.js'
import { SHARED_CLUSTER_ENV, writeSharedCluster } from './shared.js'

interface SharedHandles { cp: ControlPlane, kubelet: Kubelet }

export default async function globalSetup (): Promise<void> {
  if (process.env[SHARED_CLUSTER_ENV] === 'off') return
  const started = Date.now()
  const cp = await startControlPlane({ scheduler: true, controllerManager: true })
  const kubeletRoot = path.join(cp.stateDir, 'kubelet')
  const kubelet = createLocalKubelet(cp, { rootDir: kubeletRoot, restartBackoff: { initialMs: 500, maxMs: 5000 } })
  try {
    await kubelet.start()
  } catch (err) {
    await cp.stop()
    throw err
  }
  const file = writeSharedCluster(cp.stateDir, {
    kubeconfigPath: cp.kubeconfigPath,
    server: cp.server,
    apiPort: cp.apiPort,
    caCert: cp.pki.caCert,
    stateDir: cp.stateDir,
    kubeletRoot,
    nodeName: kubelet.nodeName,
    binDir: binDir()
  })
  process.env[SHARED_CLUSTER_ENV] = file
  ;(globalThis as { __latticeShared?: SharedHandles }).__latticeShared = { cp, kubelet }
  process.stderr.write(`\nlattice: shared control plane at ${cp.server} ready in ${Date.now() - started} ms (${file})\n`)
}
