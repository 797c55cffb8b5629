import { describe, expect, it } from '@jest/globals'
import type { V1ConfigMap } from '@kubernetes/client-node'
import { NETWORK_KIND } from '../../../../operator/src/api/constants.js'
import type { LatticeNetwork } from '../../../../operator/src/api/types.js'
import { latticeNetwork } from '../fixtures/network.js'
import { createFakeCluster, mergePatch } from './fake-cluster.js'

const cm = (name: string, data: Record<string, string>, managed = true): V1ConfigMap => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', ...(managed ? { labels: { 'app.kubernetes.io/managed-by': 'lattice-operator' } } : {}) }, data
})

describe('fake cluster (the API server rules the reconcilers rely on)', () => {
  it('merge patch is RFC 7386: objects merge, null removes, arrays replace', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] })).toEqual({ a: { b: 1, d: 3 }, l: [3] })
  })

  it('create of an existing name is 409 AlreadyExists; every write is recorded, reads apart', async () => {
    const c = createFakeCluster()
    await c.client.create(cm('x', { k: 'v' }))
    await expect(c.client.create(cm('x', { k: 'w' }))).rejects.toMatchObject({ code: 409, body: { reason: 'AlreadyExists' } })
    await c.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' })
    expect(c.writeLog()).toEqual(['create ConfigMap ns/x', 'create ConfigMap ns/x'])
    expect(c.reads).toHaveLength(1)
  })

  it('a resourceVersion in a patch is a precondition (409 when stale)', async () => {
    const c = createFakeCluster()
    const made = await c.client.create(cm('x', { k: 'v' }))
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' }
    await c.client.mergePatch(ref, { data: { k: 'w' }, metadata: { resourceVersion: made.metadata?.resourceVersion } })
    await expect(c.client.mergePatch(ref, { data: { k: 'z' }, metadata: { resourceVersion: made.metadata?.resourceVersion } })).rejects.toMatchObject({ code: 409, body: { reason: 'Conflict' } })
    expect(c.get<V1ConfigMap>('ConfigMap', 'ns', 'x')?.data).toEqual({ k: 'w' })
  })

  it('status only through the status subresource; spec changes bump the generation', async () => {
    const c = createFakeCluster()
    const ref = { apiVersion: 'lattice.diotec360.com/v1alpha1', kind: NETWORK_KIND, namespace: 'lattice-test', name: 'ledger' }
    await c.client.create({ ...latticeNetwork(), status: { ready: '9/9' } })
    expect(c.get<LatticeNetwork>(NETWORK_KIND, 'lattice-test', 'ledger')?.status).toBeUndefined()
    await c.client.mergePatch(ref, { status: { ready: '1/1' } })
    await c.client.patchStatus(ref, { ready: '3/3' })
    const net = c.get<LatticeNetwork>(NETWORK_KIND, 'lattice-test', 'ledger')
    expect(net?.status).toEqual({ ready: '3/3' })
    expect(net?.metadata.generation).toBe(1)
    await c.client.mergePatch(ref, { spec: { replicas: 5 } })
    expect(c.get<LatticeNetwork>(NETWORK_KIND, 'lattice-test', 'ledger')?.metadata.generation).toBe(2)
  })

  it('finalizers hold a deletion until the last one is removed', async () => {
    const c = createFakeCluster()
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' }
    await c.client.create({ ...cm('x', {}), metadata: { ...cm('x', {}).metadata, finalizers: ['f'] } })
    expect(await c.client.delete(ref)).toBe(true)
    expect(c.get<V1ConfigMap>('ConfigMap', 'ns', 'x')?.metadata?.deletionTimestamp).toBeDefined()
    await c.client.mergePatch(ref, { metadata: { finalizers: [] } })
    expect(c.get('ConfigMap', 'ns', 'x')).toBeUndefined()
    expect(await c.client.delete(ref)).toBe(false)
  })

  it('caches see only the operator\'s children, and lag the server while held', async () => {
    const c = createFakeCluster()
    c.put(cm('foreign', {}, false))
    expect(c.caches.configMaps.get('foreign', 'ns')).toBeUndefined()
    c.holdCaches()
    await c.client.create(cm('x', {}))
    expect(c.caches.configMaps.get('x', 'ns')).toBeUndefined()
    c.syncCaches()
    expect(c.caches.configMaps.get('x', 'ns')?.data).toEqual({})
  })
})
