/**
 * The operator's own image as two pods on the real node (helm install, replicaCount 2, so leader
 * election on): exactly one leads; the test/operator scenarios (network lifecycle, operator replaced
 * mid-rollout, storage reclaim) run against it unchanged; the leader pod deleted, the other takes over
 * and a change applied after the failover converges. The scenarios read the leader's metrics from its pod IP
 * (the node's bridge is reachable from the test process).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { metricValue } from '../../packages/testkit/src/index.js'
import { realNodeSkipReason, useRealNode } from '../cluster/realnode/harness.js'
import { builtImageArchives, REAL_NODE } from '../cluster/realnode/index.js'
import { installOperatorChart, isLeaderGauge, type OperatorPods } from '../cluster/realnode/operator-chart.js'
import { Api, mergePatchNetwork, waitSettled } from '../operator/helpers.js'
import { IMAGES, networkLifecycleScenarios } from '../operator/scenarios/network-lifecycle.js'
import { operatorReplacedMidRolloutScenario } from '../operator/scenarios/operator-replaced.js'
import { reclaimScenarios } from '../operator/scenarios/reclaim.js'

const skipReason = realNodeSkipReason()
if (skipReason != null) process.stderr.write(`test/realnode/operator-pods: not run: ${skipReason}\n`)
const describeRealNode = skipReason == null ? describe : describe.skip

/** containerd's name of a short image reference (what `make images` archives carry). */
const fullRef = (image: string): string => `docker.io/library/${image}`

describeRealNode('the operator image as two pods with leader election on a real node', () => {
  // The chart installs the CRDs itself (crds.enabled): the control plane must not apply them first.
  const rn = useRealNode({ imageArchives: builtImageArchives, crdsDir: false }, 'rn-oppods')
  let op: OperatorPods
  const target = (): { cluster: typeof rn, operator: OperatorPods } => ({ cluster: rn, operator: op })

  beforeAll(async () => {
    // The image-change scenarios roll the nodes to a newer tag: the same image under a second name.
    await rn.node.ctr(['images', 'tag', fullRef(IMAGES.current), fullRef(IMAGES.next)])
    // As the scenarios expect of any operator: probes every second, nodes addressed by pod IP
    // (the dns mode on the real node is test/realnode/operator.test.ts's).
    op = await installOperatorChart(rn, { replicas: 2, set: { 'operator.probeIntervalSeconds': 1, 'operator.addressMode': 'podIP' } })
  }, 420_000)
  afterAll(async () => {
    // Leave figures for the suite's reader.
    if (figures.length > 0) process.stderr.write(`test/realnode/operator-pods: ${figures.join('; ')}\n`)
  })
  const figures: string[] = []

  it('two Ready operator pods from the image, exactly one leading: the Lease holder says lattice_operator_is_leader 1, the other 0', async () => {
    const leader = await op.leader()
    const pods = await op.pods()
    expect(pods).toHaveLength(2)
    for (const p of pods) {
      expect(p.spec?.nodeName).toBe(REAL_NODE.nodeName)
      expect(p.spec?.containers[0].image).toMatch(/^lattice-operator:/)
      expect(p.spec?.containers[0].env?.find(e => e.name === 'LATTICE_LEADER_ELECT')?.value).toBe('true')
    }
    const follower = pods.find(p => p.metadata?.name !== leader.pod.metadata?.name)
    if (follower === undefined) throw new Error('no follower pod')
    expect(isLeaderGauge(await op.metricsOf(leader.pod))).toBe(1)
    const followerMetrics = await op.metricsOf(follower)
    expect(isLeaderGauge(followerMetrics)).toBe(0)
    // The follower watches (its caches are synced: it is Ready) but never reconciles.
    expect(metricValue(followerMetrics, 'lattice_operator_reconcile_total')).toBe(0)
  }, 180_000)

  describe('test/operator/network.test.ts scenarios against the operator pods', () => {
    networkLifecycleScenarios(target)
  })

  describe('test/operator/restart.test.ts scenario: the leader pod deleted mid-rollout', () => {
    operatorReplacedMidRolloutScenario(target)
  })

  it('the leader pod deleted: the other pod takes the Lease and a change applied after the failover converges', async () => {
    const api = new Api(rn)
    const { from, to, handoverMs } = await op.failover()
    figures.push(`leader handover after its pod was deleted: ${(handoverMs / 1000).toFixed(1)} s`)
    expect(to.pod.metadata?.name).not.toBe(from.pod.metadata?.name)
    expect(to.leaseTransitions).toBeGreaterThan(from.leaseTransitions)
    // The network left by the previous scenario (3 nodes, settled) grows to 4 under the new leader.
    const started = Date.now()
    await mergePatchNetwork(rn, 'resume', { spec: { replicas: 4 } })
    await waitSettled(api, 'resume', 4, { peers: 3, timeoutMs: 240_000 })
    figures.push(`scale 3 → 4 after the failover settled in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    expect(metricValue(await op.metrics(), 'lattice_operator_reconcile_total', { controller: 'latticenetwork', result: 'success' })).toBeGreaterThan(0)
  }, 420_000)

  describe('test/operator/reclaim.test.ts scenarios against the new leader, with the nodes\' pods on their PVCs', () => {
    reclaimScenarios(target)
  })
})
