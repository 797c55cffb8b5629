import { describe, expect, it } from '@jest/globals'
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node'
import { createTestOperator, type TestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork, withReclaimPolicy } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode } from '../../../../packages/testkit/src/fixtures/node.js'
import { FINALIZER_STORAGE, NODE_KIND } from '../../api/constants.js'
import type { LatticeNode } from '../../api/types.js'
import { buildPvc } from '../../builders/pvc.js'
import { ensurePvc, finalizeStorage, syncFinalizer } from './storage.js'

const ns = 'lattice-test'
const nodeNow = (t: TestOperator): LatticeNode => t.cluster.get<LatticeNode>(NODE_KIND, ns, 'ledger-0') as LatticeNode

describe('node storage', () => {
  it('creates the PVC once, owned by the node', async () => {
    const t = createTestOperator()
    const node = latticeNode(latticeNetwork(), 0)
    t.cluster.put(node)
    await ensurePvc(t.ctx, node)
    await ensurePvc(t.ctx, node)
    expect(t.cluster.writeLog()).toEqual(['create PersistentVolumeClaim lattice-test/ledger-0-data'])
    expect(t.cluster.get<V1PersistentVolumeClaim>('PersistentVolumeClaim', ns, 'ledger-0-data')?.metadata?.ownerReferences?.[0]?.uid).toBe(node.metadata.uid)
  })

  it('Retain (the default): the finalizer is added once, conditionally on the resourceVersion read', async () => {
    const t = createTestOperator()
    t.cluster.put(latticeNode(latticeNetwork(), 0))
    await syncFinalizer(t.ctx, nodeNow(t))
    expect(t.cluster.writes).toEqual([{ verb: 'patch', kind: NODE_KIND, namespace: ns, name: 'ledger-0', body: { metadata: { finalizers: [FINALIZER_STORAGE], resourceVersion: expect.any(String) } } }])
    t.cluster.clearRecords()
    await syncFinalizer(t.ctx, nodeNow(t))
    expect(t.cluster.writes).toEqual([])
  })

  it('keeps other finalizers and tries again on a conflict', async () => {
    const t = createTestOperator()
    t.cluster.put(latticeNode(latticeNetwork(), 0))
    // somebody adds a finalizer between our read and our patch: 409, read again, patch again
    t.cluster.beforeNext('patch', () => { t.cluster.put({ ...nodeNow(t), metadata: { ...nodeNow(t).metadata, finalizers: ['example.com/other'] } }) })
    await syncFinalizer(t.ctx, nodeNow(t))
    expect(t.cluster.writeLog()).toEqual(['patch LatticeNode lattice-test/ledger-0', 'patch LatticeNode lattice-test/ledger-0'])
    expect(nodeNow(t).metadata.finalizers).toEqual(['example.com/other', FINALIZER_STORAGE])
  })

  it('Delete: no finalizer (a Retain finalizer left from before is removed)', async () => {
    const t = createTestOperator()
    t.cluster.put(latticeNode(latticeNetwork(withReclaimPolicy('Delete')), 0))
    await syncFinalizer(t.ctx, nodeNow(t))
    expect(t.cluster.writes).toEqual([])
    t.cluster.put({ ...nodeNow(t), metadata: { ...nodeNow(t).metadata, finalizers: [FINALIZER_STORAGE] } })
    await syncFinalizer(t.ctx, nodeNow(t))
    expect(nodeNow(t).metadata.finalizers).toEqual([])
  })

  it('deleting a Retain node orphans its PVC first, then lets the node go: the garbage collector keeps the PVC', async () => {
    const t = createTestOperator()
    const node = latticeNode(latticeNetwork(), 0)
    t.cluster.put(node, buildPvc(node))
    await syncFinalizer(t.ctx, nodeNow(t))
    await t.ctx.client.delete({ apiVersion: node.apiVersion, kind: NODE_KIND, namespace: ns, name: 'ledger-0' })
    expect(nodeNow(t).metadata.deletionTimestamp).toBeDefined()
    t.cluster.clearRecords()

    await finalizeStorage(t.ctx, nodeNow(t))
    expect(t.cluster.writes.map(w => [w.verb, w.kind, w.body])).toEqual([
      ['patch', 'PersistentVolumeClaim', { metadata: { ownerReferences: null } }],
      ['patch', NODE_KIND, { metadata: { finalizers: [], resourceVersion: expect.any(String) } }]
    ])
    expect(t.events.map(e => e.reason)).toEqual(['StorageRetained'])
    expect(t.cluster.get(NODE_KIND, ns, 'ledger-0')).toBeUndefined()
    expect(t.cluster.collectGarbage()).toEqual([])
    expect(t.cluster.get('PersistentVolumeClaim', ns, 'ledger-0-data')).toBeDefined()
  })

  it('deleting a Delete node writes nothing: the garbage collector takes the PVC with it', async () => {
    const t = createTestOperator()
    const node = latticeNode(latticeNetwork(withReclaimPolicy('Delete')), 0)
    t.cluster.put(node, buildPvc(node))
    await t.ctx.client.delete({ apiVersion: node.apiVersion, kind: NODE_KIND, namespace: ns, name: 'ledger-0' })
    expect(t.cluster.get(NODE_KIND, ns, 'ledger-0')).toBeUndefined()
    t.cluster.clearRecords()
    await finalizeStorage(t.ctx, { ...node, metadata: { ...node.metadata, deletionTimestamp: new Date() } })
    expect(t.cluster.writes).toEqual([])
    expect(t.cluster.collectGarbage()).toEqual(['PersistentVolumeClaim lattice-test/ledger-0-data'])
  })
})
