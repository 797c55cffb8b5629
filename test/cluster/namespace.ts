import { waitFor } from '../../packages/testkit/src/index.js'
import crypto from 'node:crypto'
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node'

function code (err: unknown): number | undefined {
  return (err as { code?: number }).code
}

/**
 * Creates a namespace with a unique name, plus its `default` ServiceAccount (the ServiceAccount
 * admission plugin refuses pods without it, and only kube-controller-manager would create it).
 */
export async function createTestNamespace (kc: KubeConfig, prefix = 't'): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api)
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 't'
  const name = `${clean}-${crypto.randomBytes(3).toString('hex')}`
  await core.createNamespace({ body: { metadata: { name, labels: { 'lattice.diotec360.com/test': 'true' } } } })
  try {
    await core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: 'default' } } })
  } catch (err) {
    if (code(err) !== 409) throw err
  }
  return name
}

/**
 * Deletes a namespace and waits until none of its pods is left (the kubelet has stopped their
 * processes). The namespace goes first: a terminating namespace refuses new objects, so a
 * controller still running in the suite cannot re-create pods meanwhile. Its pods are then deleted
 * with a short grace period rather than waiting for the namespace controller. The namespace object
 * itself disappears only when kube-controller-manager runs.
 */
export async function deleteTestNamespace (kc: KubeConfig, namespace: string, timeoutMs = 60_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api)
  try {
    await core.deleteNamespace({ name: namespace })
  } catch (err) {
    if (code(err) !== 404) throw err
  }
  await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 1 })
  await waitFor(`pods of ${namespace} gone`, async () => (await core.listNamespacedPod({ namespace })).items.length === 0, { timeoutMs, intervalMs: 200 })
}
