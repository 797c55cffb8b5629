import { describe, expect, it } from '@jest/globals'
import { createTestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { fixedIdentity, latticeNetwork } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode } from '../../../../packages/testkit/src/fixtures/node.js'
import { buildIdentitySecret, peerIdFromIdentitySecret } from '../../builders/secrets.js'
import { ensureIdentity } from './identity.js'

const node = latticeNode(latticeNetwork(), 0)

describe('node identity', () => {
  it('makes the identity Secret once, immutable and owned by the node, and returns its peer ID', async () => {
    const t = createTestOperator()
    t.cluster.put(node)
    const peerId = await ensureIdentity(t.ctx, node)
    expect(t.cluster.writeLog()).toEqual(['create Secret lattice-test/ledger-0-identity'])
    const secret = t.cluster.get<Parameters<typeof peerIdFromIdentitySecret>[0]>('Secret', 'lattice-test', 'ledger-0-identity')
    expect(secret?.immutable).toBe(true)
    expect(secret?.metadata?.ownerReferences?.[0]?.uid).toBe(node.metadata.uid)
    expect(peerIdFromIdentitySecret(secret ?? {})).toBe(peerId)
    expect(t.events.map(e => e.reason)).toEqual(['IdentityCreated'])

    t.cluster.clearRecords()
    expect(await ensureIdentity(t.ctx, node)).toBe(peerId)
    expect(t.cluster.writes).toEqual([])
    // the cache answered: not even a read
    expect(t.cluster.reads).toEqual([])
  })

  it('a Secret the cache has not seen yet is read from the server, never made again (the peer ID would change)', async () => {
    const t = createTestOperator()
    const id = await fixedIdentity(7)
    t.cluster.holdCaches()
    t.cluster.put(buildIdentitySecret(node, id))
    expect(await ensureIdentity(t.ctx, node)).toBe(id.peerId)
    expect(t.cluster.writes).toEqual([])
    expect(t.cluster.reads).toEqual([{ verb: 'get', kind: 'Secret', namespace: 'lattice-test', name: 'ledger-0-identity' }])
  })

  it('losing a create race keeps the winner\'s key', async () => {
    const t = createTestOperator()
    const winner = await fixedIdentity(9)
    // another writer creates it between our read (none) and our create
    t.cluster.beforeNext('create', () => { t.cluster.put(buildIdentitySecret(node, winner)) })
    expect(await ensureIdentity(t.ctx, node)).toBe(winner.peerId)
    expect(t.cluster.writeLog()).toEqual(['create Secret lattice-test/ledger-0-identity'])
    expect(t.events).toEqual([])
  })
})
