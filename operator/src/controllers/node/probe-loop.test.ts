import { describe, expect, it } from '@jest/globals'
import { createTestOperator, type TestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode } from '../../../../packages/testkit/src/fixtures/node.js'
import { createSilentLogger } from '../../../../packages/log/src/index.js'
import { NODE_KIND } from '../../api/constants.js'
import type { LatticeNode } from '../../api/types.js'
import { findCondition } from '../../status/conditions.js'
import { createProbeLoop } from './probe-loop.js'
import { reconcileNode } from './reconciler.js'
import { probeKey } from './status.js'

const ns = 'lattice-test'
const ROOT = 'cd'.repeat(32)
const node = (t: TestOperator): LatticeNode => t.cluster.get<LatticeNode>(NODE_KIND, ns, 'ledger-0') as LatticeNode

/** A node reconciled once, its pod running at `ip` (what the kubelet reports), its API answering. */
async function runningNode (ip: string): Promise<{ t: TestOperator, enqueued: string[], round: () => Promise<void> }> {
  const t = createTestOperator()
  t.cluster.put(latticeNode(latticeNetwork(), 0))
  await reconcileNode(t.ctx, `${ns}/ledger-0`)
  t.cluster.setStatus('Pod', ns, 'ledger-0', { podIP: ip, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })
  t.nodeApis.serve(ip, { merkle_root: ROOT, record_count: 12, peer_count: 2, mode: 'P2P' })
  const enqueued: string[] = []
  const loop = createProbeLoop(t.ctx, key => enqueued.push(key), createSilentLogger())
  return { t, enqueued, round: loop.runOnce }
}

describe('probe loop and node status', () => {
  it('a probe that changes the status enqueues the node; its reconcile writes the probed fields once', async () => {
    const { t, enqueued, round } = await runningNode('10.1.0.7')
    await round()
    expect(enqueued).toEqual([`${ns}/ledger-0`])
    t.cluster.clearRecords()
    await reconcileNode(t.ctx, `${ns}/ledger-0`)
    expect(t.cluster.writeLog()).toEqual(['patchStatus LatticeNode lattice-test/ledger-0'])
    expect(node(t).status).toMatchObject({ podIP: '10.1.0.7', up: true, ready: true, merkleRoot: ROOT, recordCount: 12, peerCount: 2, mode: 'P2P' })
    expect(findCondition(node(t).status?.conditions, 'Reachable')).toMatchObject({ status: 'True' })
    // the node's status body says it knows its own head: Recovering False (node/src/sync/own-head.ts)
    expect(findCondition(node(t).status?.conditions, 'Recovering')).toMatchObject({ status: 'False', reason: 'OwnHeadKnown' })
    expect(t.events.filter(e => e.kind === NODE_KIND).map(e => e.reason)).toEqual(['IdentityCreated', 'PodReady', 'ProbeSucceeded', 'OwnHeadKnown'])
  })

  it('steady: the same answers enqueue nothing and write nothing (lastProbeTime does not move on its own)', async () => {
    const { t, enqueued, round } = await runningNode('10.1.0.7')
    await round()
    await reconcileNode(t.ctx, `${ns}/ledger-0`)
    enqueued.length = 0
    t.cluster.clearRecords()
    t.clock.advance(5000)
    await round()
    expect(enqueued).toEqual([])
    await reconcileNode(t.ctx, `${ns}/ledger-0`)
    expect(t.cluster.writes).toEqual([])
  })

  it('a node that stops answering is enqueued and shows Reachable=False', async () => {
    const { t, enqueued, round } = await runningNode('10.1.0.7')
    await round()
    await reconcileNode(t.ctx, `${ns}/ledger-0`)
    enqueued.length = 0
    t.nodeApis.stop('10.1.0.7')
    await round()
    expect(enqueued).toEqual([`${ns}/ledger-0`])
    await reconcileNode(t.ctx, `${ns}/ledger-0`)
    expect(node(t).status?.up).toBe(false)
    expect(findCondition(node(t).status?.conditions, 'Reachable')).toMatchObject({ status: 'False', reason: 'ProbeFailed' })
  })

  it('a replaced pod (new IP) leaves no result behind in the prober', async () => {
    const { t, round } = await runningNode('10.1.0.7')
    await round()
    const oldKey = probeKey(ns, 'ledger-0', '10.1.0.7')
    expect(t.ctx.prober.last(oldKey)?.up).toBe(true)
    t.cluster.setStatus('Pod', ns, 'ledger-0', { podIP: '10.1.0.8' })
    t.nodeApis.serve('10.1.0.8', { merkle_root: ROOT })
    await round()
    expect(t.ctx.prober.last(oldKey)).toBeUndefined()
    expect(t.ctx.prober.last(probeKey(ns, 'ledger-0', '10.1.0.8'))?.up).toBe(true)
    // the node deleted: its last result goes with the next round
    t.cluster.remove(NODE_KIND, ns, 'ledger-0')
    await round()
    expect(t.ctx.prober.last(probeKey(ns, 'ledger-0', '10.1.0.8'))).toBeUndefined()
  })

  it('a node deleted while its probe is in flight leaves no metric series behind', async () => {
    const { t, round } = await runningNode('10.1.0.7')
    await round()
    expect(await t.ctx.metrics.text()).toContain('node="ledger-0"')
    const probeAll = t.ctx.prober.probeAll.bind(t.ctx.prober)
    t.ctx.prober.probeAll = async targets => {
      const results = await probeAll(targets)
      // the delete lands and its reconcile removes the node's series before the round publishes
      t.cluster.remove(NODE_KIND, ns, 'ledger-0')
      await reconcileNode(t.ctx, `${ns}/ledger-0`)
      return results
    }
    await round()
    expect(await t.ctx.metrics.text()).not.toContain('node="ledger-0"')
  })
})
