/**
 * The operator taken away mid-rollout: whoever reconciles next (a fresh local process, or the other
 * replica taking the leader Lease) has nothing but the API and finishes the rollout. Run by
 * test/operator/restart.test.ts (local processes) and test/realnode/operator-pods.test.ts (the
 * leader pod deleted).
 */
import { beforeAll, expect, it } from '@jest/globals'
import { waitFor } from '../../../packages/testkit/src/index.js'
import { Api, kubectlApply, mergePatchNetwork, networkManifest, podReady, waitSettled } from '../helpers.js'
import { IMAGES, type ScenarioTarget } from './network-lifecycle.js'

const NET = 'resume'

export function operatorReplacedMidRolloutScenario (target: () => ScenarioTarget): void {
  let t: ScenarioTarget
  let api: Api
  beforeAll(() => {
    t = target()
    api = new Api(t.cluster)
  })

  it('the operator replaced mid-rollout: its successor resumes and finishes the rollout', async () => {
    await kubectlApply(t.cluster, networkManifest(NET, { replicas: 3, sync: { heartbeatIntervalSeconds: 1, peerlessTimeoutSeconds: 4, httpPollIntervalSeconds: 1 } }))
    await waitSettled(api, NET, 3)
    const original = new Map((await api.pods(NET)).map(p => [p.metadata?.name ?? '', p.metadata?.uid ?? '']))
    await mergePatchNetwork(t.cluster, NET, { spec: { image: IMAGES.next } })
    // Take the operator away as soon as the first node has been given the new spec.
    await waitFor('rollout started', async () => (await api.network(NET))?.status?.rolloutNode !== undefined, { timeoutMs: 60_000, intervalMs: 100 })
    await t.operator.replace()
    const replacedBefore = (await api.pods(NET)).filter(p => p.metadata?.uid !== original.get(p.metadata?.name ?? '')).length
    expect(replacedBefore).toBeLessThan(3)
    await waitFor('rollout finished by the successor', async () => {
      const pods = await api.pods(NET)
      const net = await api.network(NET)
      return pods.length === 3 && pods.every(p => p.spec?.containers[0]?.image === IMAGES.next && podReady(p) && p.metadata?.uid !== original.get(p.metadata?.name ?? '')) &&
        net?.status?.conditions?.some(c => c.type === 'Progressing' && c.reason === 'RolloutComplete') === true
    }, { timeoutMs: 300_000, intervalMs: 250 })
    await waitSettled(api, NET, 3, { timeoutMs: 120_000 })
  }, 480_000)
}
