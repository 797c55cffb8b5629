import { describe, expect, it } from '@jest/globals'
import { createTestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork, withNetworkName, withPaused, withReplicas } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode } from '../../../../packages/testkit/src/fixtures/node.js'
import { withDeletionTimestamp, withFinalizers, withOwners } from '../../../../packages/testkit/src/fixtures/meta.js'
import { NODE_KIND } from '../../api/constants.js'
import type { LatticeNode } from '../../api/types.js'
import { ownedNodes, scaleNodes } from './scale.js'
import { reconcileNetwork } from './reconciler.js'

const key = 'lattice-test/ledger'
const nodeWrites = (writes: ReadonlyArray<{ verb: string, kind: string, name: string }>): string[] => writes.filter(w => w.kind === NODE_KIND && w.verb !== 'patchStatus').map(w => `${w.verb} ${w.name}`)

describe('network scale', () => {
  it('creates the missing ordinals in order, each with the network\'s template and a controller reference', async () => {
    const t = createTestOperator()
    const net = latticeNetwork(withReplicas(3))
    t.cluster.put(net, latticeNode(net, 1))
    const r = await scaleNodes(t.ctx, net, ownedNodes(t.ctx, net))
    expect(r).toEqual({ created: ['ledger-0', 'ledger-2'], deleted: [] })
    expect(t.cluster.writeLog()).toEqual(['create LatticeNode lattice-test/ledger-0', 'create LatticeNode lattice-test/ledger-2'])
    const made = t.cluster.writes[0]?.body as LatticeNode
    expect(made.spec).toMatchObject({ networkName: 'ledger', ordinal: 0, image: net.spec.image })
    expect(made.metadata.ownerReferences).toEqual([expect.objectContaining({ uid: net.metadata.uid, controller: true })])
    expect(t.events.map(e => `${e.reason}: ${e.message}`)).toEqual(['ScaledUp: created LatticeNodes ledger-0, ledger-2'])
  })

  it('scales down from the highest ordinal and leaves nodes already terminating alone', async () => {
    const t = createTestOperator()
    const net = latticeNetwork(withReplicas(2))
    t.cluster.put(net, ...[0, 1, 2, 3].map(i => latticeNode(net, i)), latticeNode(net, 4, withFinalizers('x'), withDeletionTimestamp()))
    const r = await scaleNodes(t.ctx, net, ownedNodes(t.ctx, net))
    expect(r).toEqual({ created: [], deleted: ['ledger-3', 'ledger-2'] })
    expect(t.cluster.writeLog()).toEqual(['delete LatticeNode lattice-test/ledger-3', 'delete LatticeNode lattice-test/ledger-2'])
  })

  it('owns only the nodes it controls: another network\'s or a foreign-owned node of the same label is not counted', async () => {
    const t = createTestOperator()
    const net = latticeNetwork()
    const other = latticeNetwork(withNetworkName('other'))
    const foreign = latticeNode(net, 5, withOwners({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'not-the-network', controller: true }))
    t.cluster.put(net, latticeNode(net, 0), latticeNode(other, 0), foreign)
    expect(ownedNodes(t.ctx, net).map(n => n.metadata.name)).toEqual(['ledger-0'])
  })

  it('a create that finds the node already there (cache behind) is not an error', async () => {
    const t = createTestOperator()
    const net = latticeNetwork(withReplicas(1))
    t.cluster.holdCaches()
    t.cluster.put(net, latticeNode(net, 0))
    expect(await scaleNodes(t.ctx, net, ownedNodes(t.ctx, net))).toEqual({ created: [], deleted: [] })
    expect(t.events).toEqual([])
  })

  it('through the reconcile: 3 → 5 → 3 creates then deletes exactly the difference; paused does neither', async () => {
    const t = createTestOperator()
    t.cluster.put(latticeNetwork(withReplicas(3)))
    await reconcileNetwork(t.ctx, key)
    expect(nodeWrites(t.cluster.writes)).toEqual(['create ledger-0', 'create ledger-1', 'create ledger-2'])
    t.cluster.clearRecords()
    t.cluster.put(latticeNetwork(withReplicas(5)))
    await reconcileNetwork(t.ctx, key)
    expect(nodeWrites(t.cluster.writes)).toEqual(['create ledger-3', 'create ledger-4'])
    t.cluster.clearRecords()
    t.cluster.put(latticeNetwork(withReplicas(3), withPaused()))
    await reconcileNetwork(t.ctx, key)
    expect(nodeWrites(t.cluster.writes)).toEqual([])
    t.cluster.put(latticeNetwork(withReplicas(3)))
    await reconcileNetwork(t.ctx, key)
    expect(nodeWrites(t.cluster.writes)).toEqual(['delete ledger-4', 'delete ledger-3'])
    expect(t.cluster.list(NODE_KIND, 'lattice-test').map(n => n.metadata?.name)).toEqual(['ledger-0', 'ledger-1', 'ledger-2'])
  })
})
