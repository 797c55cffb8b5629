/**
 * Storage reclaim on network deletion, against the real garbage collector (kube-controller-manager):
 * reclaimPolicy Delete removes the PVCs with their nodes and puts no finalizer on the nodes;
 * switching a network from Retain to Delete removes the finalizer again. Also: spec.paused stops
 * scaling until it is cleared. Run by test/operator/reclaim.test.ts (a local process, no kubelet: the
 * PVCs are never in use) and test/realnode/operator-pods.test.ts (the operator pods, with the nodes'
 * pods running on the PVCs, so their deletion also waits for kubernetes.io/pvc-protection).
 */
import { beforeAll, expect, it } from '@jest/globals'
import { waitFor } from '../../../packages/testkit/src/index.js'
import { Api, kubectlApply, mergePatchNetwork, networkManifest, type OperatorTestCluster } from '../helpers.js'
import type { ScenarioTarget } from './network-lifecycle.js'

const FINALIZER = 'lattice.diotec360.com/storage-reclaim'

/** Declares the reclaim and pause tests (call inside a describe whose beforeAll makes the target). */
export function reclaimScenarios (target: () => ScenarioTarget): void {
  let cluster: OperatorTestCluster
  let api: Api
  beforeAll(() => {
    cluster = target().cluster
    api = new Api(cluster)
  })

  const pvcNames = async (network: string): Promise<string[]> => (await api.core.listNamespacedPersistentVolumeClaim({ namespace: cluster.namespace, labelSelector: `lattice.diotec360.com/network=${network}` })).items.map(p => p.metadata?.name ?? '').sort()

  it('Delete: no finalizer; deleting the network deletes the PVCs', async () => {
    await kubectlApply(cluster, networkManifest('gone', { replicas: 2, storage: { reclaimPolicy: 'Delete' } }))
    await waitFor('2 PVCs', async () => JSON.stringify(await pvcNames('gone')) === '["gone-0-data","gone-1-data"]', { timeoutMs: 60_000, intervalMs: 250 })
    const nodes = await api.nodes('gone')
    expect(nodes.map(n => n.metadata.finalizers ?? [])).toEqual([[], []])
    expect((await cluster.kubectl(['-n', cluster.namespace, 'delete', 'lnet', 'gone', '--wait=false'])).code).toBe(0)
    await waitFor('nodes and PVCs gone', async () => (await api.nodes('gone')).length === 0 && (await pvcNames('gone')).length === 0, { timeoutMs: 120_000, intervalMs: 250 })
  }, 200_000)

  it('Retain puts the finalizer on; switching to Delete takes it off', async () => {
    await kubectlApply(cluster, networkManifest('kept', { replicas: 1 }))
    await waitFor('finalizer on kept-0', async () => (await api.nodes('kept'))[0]?.metadata.finalizers?.includes(FINALIZER) === true, { timeoutMs: 60_000, intervalMs: 250 })
    await mergePatchNetwork(cluster, 'kept', { spec: { storage: { reclaimPolicy: 'Delete' } } })
    await waitFor('finalizer off kept-0', async () => {
      const n = (await api.nodes('kept'))[0]
      return n !== undefined && n.spec.storage?.reclaimPolicy === 'Delete' && (n.metadata.finalizers ?? []).length === 0
    }, { timeoutMs: 60_000, intervalMs: 250 })
  }, 200_000)

  it('paused: a scale is not carried out (Progressing=Unknown, Paused) until paused is cleared', async () => {
    await kubectlApply(cluster, networkManifest('still', { replicas: 1 }))
    await waitFor('1 node', async () => (await api.nodes('still')).length === 1, { timeoutMs: 60_000, intervalMs: 250 })
    await mergePatchNetwork(cluster, 'still', { spec: { paused: true, replicas: 3 } })
    const paused = await waitFor('Progressing=Unknown Paused for the new generation', async () => {
      const n = await api.network('still')
      const c = n?.status?.conditions?.find(x => x.type === 'Progressing')
      return c?.status === 'Unknown' && c.reason === 'Paused' && n?.status?.observedGeneration === n?.metadata.generation ? n : undefined
    }, { timeoutMs: 60_000, intervalMs: 250 })
    // The status above was computed by the reconcile that saw replicas 3 and did not scale.
    expect(paused.status?.replicas).toBe(1)
    expect((await api.nodes('still')).length).toBe(1)
    await mergePatchNetwork(cluster, 'still', { spec: { paused: false } })
    await waitFor('3 nodes once unpaused', async () => (await api.nodes('still')).length === 3, { timeoutMs: 60_000, intervalMs: 250 })
  }, 200_000)
}
