import path from 'node:path'
import type { ControlPlane } from './controlplane.js'
import { createKubelet, defaultImages, type Kubelet, type KubeletInit } from './kubelet/index.js'
import type { Logger } from '../../packages/log/src/index.js'

/**
 * The local kubelet wired to a control plane: its state under the control plane's state dir, the
 * project's images, and the control plane's CA and serving certificate (so `kubectl logs` works).
 */
export function createLocalKubelet (cp: ControlPlane, init: Partial<KubeletInit> = {}, logger?: Logger): Kubelet {
  return createKubelet({
    rootDir: path.join(cp.stateDir, 'kubelet'),
    images: defaultImages(),
    apiServer: { host: '127.0.0.1', port: cp.apiPort },
    clusterCaFile: cp.pki.caCert,
    server: { cert: cp.pki.kubeletCert, key: cp.pki.kubeletKey, ca: cp.pki.caCert },
    ...init
  }, { kubeConfig: cp.kubeConfig(), processes: cp.processes, logger })
}
