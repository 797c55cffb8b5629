import { describe, expect, it } from '@jest/globals'
import { createTestOperator, type TestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode } from '../../../../packages/testkit/src/fixtures/node.js'
import { NODE_KIND } from '../../api/constants.js'
import type { LatticeNode } from '../../api/types.js'
import { findCondition } from '../../status/conditions.js'
import { reconcileNode } from './reconciler.js'

const ns = 'lattice-test'
const reconcile = async (t: TestOperator): Promise<void> => { await reconcileNode(t.ctx, `${ns}/ledger-0`) }
const node = (t: TestOperator): LatticeNode => t.cluster.get<LatticeNode>(NODE_KIND, ns, 'ledger-0') as LatticeNode

describe('node reconcile', () => {
  it('a new node: finalizer, identity, PVC, Service, Pod, then status, in that order; then only what changed', async () => {
    const t = createTestOperator()
    t.cluster.put(latticeNode(latticeNetwork(), 0))
    await reconcile(t)
    expect(t.cluster.writeLog()).toEqual([
      'patch LatticeNode lattice-test/ledger-0',
      'create Secret lattice-test/ledger-0-identity',
      'create PersistentVolumeClaim lattice-test/ledger-0-data',
      'create Service lattice-test/ledger-0',
      'create Pod lattice-test/ledger-0',
      'patchStatus LatticeNode lattice-test/ledger-0'
    ])
    expect(node(t).status?.peerId).toMatch(/^12D3KooW/)
    expect(findCondition(node(t).status?.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'PodMissing' })
    // the pod is in the cache now: the status names it (PodMissing → PodNotReady), nothing else is written
    t.cluster.clearRecords()
    await reconcile(t)
    expect(t.cluster.writeLog()).toEqual(['patchStatus LatticeNode lattice-test/ledger-0'])
    expect(node(t).status).toMatchObject({ podName: 'ledger-0', podSpecHash: expect.any(String) })
    expect(findCondition(node(t).status?.conditions, 'Ready')).toMatchObject({ reason: 'PodNotReady' })
    t.cluster.clearRecords()
    await reconcile(t)
    expect(t.cluster.writes).toEqual([])
  })

  it('a node that is gone: nothing written, its metrics removed', async () => {
    const t = createTestOperator()
    t.cluster.put(latticeNode(latticeNetwork(), 0))
    await reconcile(t)
    expect(await t.ctx.metrics.text()).toContain('node="ledger-0"')
    t.cluster.remove(NODE_KIND, ns, 'ledger-0')
    t.cluster.clearRecords()
    await reconcile(t)
    expect(t.cluster.writes).toEqual([])
    expect(await t.ctx.metrics.text()).not.toContain('node="ledger-0"')
  })
})
