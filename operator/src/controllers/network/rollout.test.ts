import { describe, expect, it } from '@jest/globals'
import { createTestOperator, type TestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork, withGeneration, withImage, withProgressDeadline, type NetworkModifier } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode, settled } from '../../../../packages/testkit/src/fixtures/node.js'
import { NETWORK_KIND, NODE_KIND } from '../../api/constants.js'
import type { LatticeNetwork, LatticeNode } from '../../api/types.js'
import { desiredPodSpecHash } from '../../builders/pod.js'
import { findCondition } from '../../status/conditions.js'
import { reconcileNetwork } from './reconciler.js'
import { templatePatch, updateNodeTemplate } from './rollout.js'

const ns = 'lattice-test'
const ROOT = 'aa'.repeat(32)

function steadyNetwork (...modifiers: NetworkModifier[]): TestOperator {
  const t = createTestOperator()
  const net = latticeNetwork(...modifiers)
  t.cluster.put(net, ...[0, 1, 2].map(i => latticeNode(net, i, settled(ROOT))))
  return t
}

/** What the node controller and the kubelet do for an updated node: its new pod runs, Ready, on the network's root. */
function settle (t: TestOperator, name: string): void {
  const node = t.cluster.get<LatticeNode>(NODE_KIND, ns, name) as LatticeNode
  t.cluster.setStatus(NODE_KIND, ns, name, { up: true, ready: true, merkleRoot: ROOT, podSpecHash: desiredPodSpecHash(node) })
}

async function reconcile (t: TestOperator): Promise<string[]> {
  const from = t.cluster.writes.length
  await reconcileNetwork(t.ctx, `${ns}/ledger`)
  return t.cluster.writes.slice(from).filter(w => w.kind === NODE_KIND && w.verb === 'patch').map(w => w.name)
}

const progressing = (t: TestOperator): ReturnType<typeof findCondition> => findCondition(t.cluster.get<LatticeNetwork>(NETWORK_KIND, ns, 'ledger')?.status?.conditions, 'Progressing')

describe('network rollout', () => {
  it('a steady network: the first reconcile writes its status, the next one writes nothing', async () => {
    const t = steadyNetwork()
    await reconcile(t)
    expect(t.cluster.writesOf('patchStatus', NETWORK_KIND)).toHaveLength(1)
    t.cluster.clearRecords()
    await reconcile(t)
    expect(t.cluster.writes).toEqual([])
  })

  it('gives one node at a time the new template, highest ordinal first, each only after the previous one settled', async () => {
    const t = steadyNetwork()
    await reconcile(t)
    t.cluster.put(latticeNetwork(withImage('lattice-node:0.2.0'), withGeneration(2)))
    expect(await reconcile(t)).toEqual(['ledger-2'])
    expect(t.cluster.get<LatticeNode>(NODE_KIND, ns, 'ledger-2')?.spec.image).toBe('lattice-node:0.2.0')
    expect(t.cluster.get<LatticeNetwork>(NETWORK_KIND, ns, 'ledger')?.status?.rolloutNode).toBe('ledger-2')
    // not settled yet: nobody else is touched, however often it reconciles
    expect(await reconcile(t)).toEqual([])
    expect(await reconcile(t)).toEqual([])
    settle(t, 'ledger-2')
    expect(await reconcile(t)).toEqual(['ledger-1'])
    settle(t, 'ledger-1')
    expect(await reconcile(t)).toEqual(['ledger-0'])
    settle(t, 'ledger-0')
    expect(await reconcile(t)).toEqual([])
    expect(progressing(t)).toMatchObject({ status: 'True', reason: 'RolloutComplete' })
    expect(t.events.filter(e => e.message.startsWith('updating node')).map(e => e.message)).toEqual([
      'updating node ledger-2 to the current spec (image lattice-node:0.2.0)',
      'updating node ledger-1 to the current spec (image lattice-node:0.2.0)',
      'updating node ledger-0 to the current spec (image lattice-node:0.2.0)'
    ])
  })

  it('an outdated node that is not healthy goes first (the new spec may be its fix)', async () => {
    const t = steadyNetwork()
    t.cluster.setStatus(NODE_KIND, ns, 'ledger-0', { ready: false, up: false })
    t.cluster.put(latticeNetwork(withImage('lattice-node:0.2.0'), withGeneration(2)))
    expect(await reconcile(t)).toEqual(['ledger-0'])
  })

  it('replaces nothing while a node is diverged', async () => {
    const t = steadyNetwork()
    t.cluster.setStatus(NODE_KIND, ns, 'ledger-1', { merkleRoot: 'bb'.repeat(32) })
    await reconcile(t)
    t.clock.advance(t.ctx.config.divergenceGraceMs + 1000)
    await reconcile(t)
    expect(t.cluster.get<LatticeNode>(NODE_KIND, ns, 'ledger-1')?.status?.diverged).toBe(true)
    t.cluster.put(latticeNetwork(withImage('lattice-node:0.2.0'), withGeneration(2)))
    expect(await reconcile(t)).toEqual([])
    expect(progressing(t)).toMatchObject({ reason: 'RolloutBlockedByDivergence' })
  })

  it('a node that does not settle within the progress deadline stalls the rollout (condition and Event), and nothing else moves', async () => {
    const t = steadyNetwork(withProgressDeadline(60))
    await reconcile(t)
    t.cluster.put(latticeNetwork(withProgressDeadline(60), withImage('lattice-node:0.2.0'), withGeneration(2)))
    expect(await reconcile(t)).toEqual(['ledger-2'])
    t.clock.advance(30_000)
    expect(await reconcile(t)).toEqual([])
    expect(progressing(t)).toMatchObject({ status: 'True', reason: 'RollingOut' })
    t.clock.advance(31_000)
    expect(await reconcile(t)).toEqual([])
    expect(progressing(t)).toMatchObject({ status: 'False', reason: 'RolloutStalled' })
    expect(t.events.filter(e => e.reason === 'RolloutStalled').map(e => e.type)).toEqual(['Warning'])
  })

  it('the template patch removes fields the network dropped (merge patch nulls, nested too)', async () => {
    const t = createTestOperator()
    const before = latticeNetwork(n => { n.spec.nodeSelector = { disk: 'ssd', zone: 'a' }; n.spec.priorityClassName = 'high' })
    const after = latticeNetwork(n => { n.spec.nodeSelector = { disk: 'ssd' } })
    const node = latticeNode(before, 0)
    t.cluster.put(node)
    await updateNodeTemplate(t.ctx, after, node)
    const body = t.cluster.writes[0]?.body as { spec: Record<string, unknown> }
    expect(body.spec.nodeSelector).toEqual({ disk: 'ssd', zone: null })
    expect(body.spec.priorityClassName).toBeNull()
    const stored = t.cluster.get<LatticeNode>(NODE_KIND, ns, 'ledger-0') as LatticeNode
    expect(stored.spec.nodeSelector).toEqual({ disk: 'ssd' })
    expect(stored.spec.priorityClassName).toBeUndefined()
    expect(stored.metadata.annotations).toEqual((templatePatch(after).metadata as { annotations: object }).annotations)
  })
})
