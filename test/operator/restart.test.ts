// Restart the operator mid-rollout: a fresh operator (no memory but the API) resumes and finishes.
import { waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { useCluster } from '../cluster/harness.js'
import { Api, kubectlApply, mergePatchNetwork, networkManifest, podReady, startOperator, waitSettled, type RunningOperator } from './helpers.js'

const NET = 'resume'

describe('operator restart mid-rollout', () => {
  const cluster = useCluster({}, 'oprestart')
  let api: Api
  const ops: RunningOperator[] = []

  beforeAll(() => { api = new Api(cluster) })
  afterAll(async () => { for (const o of ops) await o.stop() }, 60_000)

  it('resumes and finishes the rollout', async () => {
    const first = await startOperator(cluster, {}, 'first')
    ops.push(first)
    await kubectlApply(cluster, networkManifest(NET, { replicas: 3, sync: { heartbeatIntervalSeconds: 1, peerlessTimeoutSeconds: 4, httpPollIntervalSeconds: 1 } }))
    await waitSettled(api, NET, 3)
    const original = new Map((await api.pods(NET)).map(p => [p.metadata?.name ?? '', p.metadata?.uid ?? '']))
    await mergePatchNetwork(cluster, NET, { spec: { image: 'lattice-node:0.2.0' } })
    // Stop the operator as soon as the first node has been given the new spec.
    await waitFor('rollout started', async () => (await api.network(NET))?.status?.rolloutNode !== undefined, { timeoutMs: 60_000, intervalMs: 100 })
    await first.stop()
    const replacedBefore = (await api.pods(NET)).filter(p => p.metadata?.uid !== original.get(p.metadata?.name ?? '')).length
    expect(replacedBefore).toBeLessThan(3)
    const second = await startOperator(cluster, {}, 'second')
    ops.push(second)
    await waitFor('rollout finished by the second operator', async () => {
      const pods = await api.pods(NET)
      const net = await api.network(NET)
      return pods.length === 3 && pods.every(p => p.spec?.containers[0]?.image === 'lattice-node:0.2.0' && podReady(p) && p.metadata?.uid !== original.get(p.metadata?.name ?? '')) &&
        net?.status?.conditions?.some(c => c.type === 'Progressing' && c.reason === 'RolloutComplete') === true
    }, { timeoutMs: 300_000, intervalMs: 250 })
    await waitSettled(api, NET, 3, { timeoutMs: 120_000 })
  }, 480_000)
})
