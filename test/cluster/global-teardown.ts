/** Jest global teardown: stops the shared kubelet and control plane of global-setup.ts. */
import type { ControlPlane } from './controlplane.js'
import type { Kubelet } from './kubelet/index.js'

export default async function globalTeardown (): Promise<void> {
  const g = globalThis as { __latticeShared?: { cp: ControlPlane, kubelet: Kubelet } }
  const shared = g.__latticeShared
  if (shared == null) return
  g.__latticeShared = undefined
  try {
    await shared.kubelet.stop()
  } finally {
    await shared.cp.stop()
  }
}
