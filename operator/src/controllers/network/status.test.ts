import { describe, expect, it } from '@jest/globals'
import { createTestOperator, type TestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork, withExternalPeers } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode, settled } from '../../../../packages/testkit/src/fixtures/node.js'
import { NETWORK_KIND, NODE_KIND } from '../../api/constants.js'
import type { LatticeNetwork, LatticeNode } from '../../api/types.js'
import { findCondition } from '../../status/conditions.js'
import { reconcileNetwork } from './reconciler.js'
import { writeNetworkStatus } from './status.js'

const ns = 'lattice-test'
const ROOT = 'aa'.repeat(32)
const OTHER = 'bb'.repeat(32)
const network = (t: TestOperator): LatticeNetwork => t.cluster.get<LatticeNetwork>(NETWORK_KIND, ns, 'ledger') as LatticeNetwork
const node = (t: TestOperator, name: string): LatticeNode => t.cluster.get<LatticeNode>(NODE_KIND, ns, name) as LatticeNode
const reconcile = async (t: TestOperator): Promise<Awaited<ReturnType<typeof reconcileNetwork>>> => await reconcileNetwork(t.ctx, `${ns}/ledger`)

function threeNodes (): TestOperator {
  const t = createTestOperator()
  const net = latticeNetwork()
  t.cluster.put(net, ...[0, 1, 2].map(i => latticeNode(net, i, settled(ROOT, { peerCount: 2, mode: 'P2P' }))))
  return t
}

describe('network status', () => {
  it('aggregates the nodes: 3/3 ready, one root, peers, mode, the pods\' selector; Ready=True with an Event', async () => {
    const t = threeNodes()
    await reconcile(t)
    const s = network(t).status
    expect(s).toMatchObject({ observedGeneration: 1, replicas: 3, readyReplicas: 3, syncedReplicas: 3, ready: '3/3', peers: 2, mode: 'P2P', merkleRoot: ROOT, divergentNodeCount: 0 })
    expect(s?.selector).toBe('lattice.diotec360.com/network=ledger,app.kubernetes.io/component=node')
    expect(findCondition(s?.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'AllNodesReady' })
    expect(t.events.filter(e => e.kind === NETWORK_KIND).map(e => `${e.type} ${e.reason}`)).toEqual(['Normal SecretCreated', 'Normal AllNodesReady', 'Normal RolloutComplete'])
  })

  it('writes the status only when it changed; a node going down is one patch, with a Warning', async () => {
    const t = threeNodes()
    await reconcile(t)
    t.cluster.clearRecords()
    t.events.length = 0
    await reconcile(t)
    expect(t.cluster.writes).toEqual([])
    t.cluster.setStatus(NODE_KIND, ns, 'ledger-1', { up: false, ready: false })
    await reconcile(t)
    expect(t.cluster.writeLog()).toEqual(['patchStatus LatticeNetwork lattice-test/ledger'])
    expect(network(t).status?.ready).toBe('2/3')
    expect(t.events.map(e => `${e.type} ${e.reason}`)).toEqual(['Warning NodesNotReady', 'Warning NodesUnavailable'])
  })

  it('removes status fields that are gone (merge patch null), e.g. the root once nobody answers', async () => {
    const t = threeNodes()
    await reconcile(t)
    for (const n of ['ledger-0', 'ledger-1', 'ledger-2']) t.cluster.setStatus(NODE_KIND, ns, n, { up: false, ready: false, merkleRoot: null })
    await reconcile(t)
    const patch = t.cluster.writesOf('patchStatus', NETWORK_KIND).at(-1)?.body as Record<string, unknown>
    expect(patch.merkleRoot).toBeNull()
    expect(network(t).status?.merkleRoot).toBeUndefined()
  })

  it('divergence: the clock starts at the first differing root, the verdict comes after the grace period, written on the node too', async () => {
    const t = threeNodes()
    await reconcile(t)
    t.cluster.setStatus(NODE_KIND, ns, 'ledger-2', { merkleRoot: OTHER })
    const out = await reconcile(t)
    expect(node(t, 'ledger-2').status).toMatchObject({ diverged: false, divergingSince: t.clock.now().toISOString() })
    // a timed transition nobody sends an event for: the reconcile asks to be called at the end of the grace period
    expect(out?.requeueAfterMs).toBe(t.ctx.config.divergenceGraceMs + 50)
    t.clock.advance(t.ctx.config.divergenceGraceMs + 1)
    await reconcile(t)
    expect(node(t, 'ledger-2').status?.diverged).toBe(true)
    expect(network(t).status).toMatchObject({ divergentNodes: ['ledger-2'], divergentNodeCount: 1 })
    expect(findCondition(network(t).status?.conditions, 'Diverged')).toMatchObject({ status: 'True', reason: 'StateDiverged' })
    expect(t.events.filter(e => e.kind === NODE_KIND).map(e => `${e.name} ${e.reason}`)).toEqual(['ledger-2 Diverged'])
    // healed: both clear
    t.cluster.setStatus(NODE_KIND, ns, 'ledger-2', { merkleRoot: ROOT })
    await reconcile(t)
    expect(node(t, 'ledger-2').status?.diverged).toBe(false)
    expect(node(t, 'ledger-2').status?.divergingSince).toBeUndefined()
    expect(findCondition(network(t).status?.conditions, 'Diverged')).toMatchObject({ status: 'False' })
  })

  it('a network with external peers is looked at again every probe interval', async () => {
    const t = createTestOperator()
    t.cluster.put(latticeNetwork(withExternalPeers({ name: 'site-b', multiaddr: '/dns4/b.example/tcp/9000/p2p/12D3KooWSiteB' })))
    expect((await reconcile(t))?.requeueAfterMs).toBe(t.ctx.config.probeIntervalMs)
  })

  it('writeNetworkStatus reports whether it wrote', async () => {
    const t = threeNodes()
    await reconcile(t)
    const net = network(t)
    expect(await writeNetworkStatus(t.ctx, net, net.status ?? {})).toBe(false)
    expect(await writeNetworkStatus(t.ctx, net, { ...net.status, ready: '0/3' })).toBe(true)
  })
})
