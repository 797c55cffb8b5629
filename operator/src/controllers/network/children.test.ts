import { describe, expect, it } from '@jest/globals'
import type { V1ConfigMap, V1PodDisruptionBudget } from '@kubernetes/client-node'
import { createTestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork, withExternalPeers, withNetworkPolicy, withReplicas } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode, withNodeStatus } from '../../../../packages/testkit/src/fixtures/node.js'
import { buildPodDisruptionBudget } from '../../builders/pdb.js'
import { buildNetworkPolicy } from '../../builders/network-policy.js'
import { parsePeersConfigMap } from '../../builders/peers.js'
import { buildNetworkSecret } from '../../builders/secrets.js'
import { ensureHeadlessService, ensureNetworkPolicy, ensureNetworkSecret, ensurePdb, ensurePeersConfigMap } from './children.js'

const ns = 'lattice-test'

describe('network children', () => {
  it('creates the Secret (PSK, token), headless Service, PDB and NetworkPolicy, and writes nothing the second time', async () => {
    const t = createTestOperator({ operatorNamespace: 'lattice-system' })
    const net = latticeNetwork()
    t.cluster.put(net)
    const all = async (): Promise<void> => {
      await ensureNetworkSecret(t.ctx, net)
      await ensureHeadlessService(t.ctx, net)
      await ensurePdb(t.ctx, net)
      await ensureNetworkPolicy(t.ctx, net)
    }
    await all()
    expect(t.cluster.writeLog()).toEqual([
      'create Secret lattice-test/ledger-secrets',
      'create Service lattice-test/ledger-headless',
      'create PodDisruptionBudget lattice-test/ledger',
      'create NetworkPolicy lattice-test/ledger-nodes'
    ])
    expect(t.events.map(e => e.reason)).toEqual(['SecretCreated'])
    t.cluster.clearRecords()
    await all()
    expect(t.cluster.writes).toEqual([])
  })

  it('never makes a second PSK: a Secret the cache has not seen yet is read from the server first', async () => {
    const t = createTestOperator()
    const net = latticeNetwork()
    t.cluster.holdCaches()
    t.cluster.put(net, buildNetworkSecret(net, { psk: 'P', token: 'T' }))
    await ensureNetworkSecret(t.ctx, net)
    expect(t.cluster.writes).toEqual([])
    expect(t.cluster.reads.map(r => `${r.verb} ${r.kind} ${r.name ?? ''}`)).toEqual(['get Secret ledger-secrets'])
  })

  it('patches only what drifted: a PDB edited by hand gets its spec back, with the owned fields only', async () => {
    const t = createTestOperator()
    const net = latticeNetwork(withReplicas(5))
    const pdb = buildPodDisruptionBudget(net)
    t.cluster.put(net, { ...pdb, spec: { ...pdb.spec, minAvailable: 1 } })
    await ensurePdb(t.ctx, net)
    expect(t.cluster.writes).toHaveLength(1)
    expect(t.cluster.writes[0]).toMatchObject({ verb: 'patch', kind: 'PodDisruptionBudget', body: { spec: { minAvailable: 4 } } })
  })

  it('a PDB written by an earlier version with maxUnavailable is swapped to minAvailable in one patch', async () => {
    const t = createTestOperator()
    const net = latticeNetwork()
    const pdb = buildPodDisruptionBudget(net)
    t.cluster.put(net, { ...pdb, spec: { selector: pdb.spec?.selector, maxUnavailable: 1 } })
    await ensurePdb(t.ctx, net)
    expect(t.cluster.writes.map(w => w.body)).toEqual([{ spec: { maxUnavailable: null, minAvailable: 2 } }])
    expect(t.cluster.get<V1PodDisruptionBudget>('PodDisruptionBudget', ns, 'ledger')?.spec).toEqual({ selector: pdb.spec?.selector, minAvailable: 2 })
  })

  it('NetworkPolicy off: an existing one is deleted once, with an Event; none is created', async () => {
    const t = createTestOperator()
    const net = latticeNetwork(withNetworkPolicy(false))
    t.cluster.put(net, buildNetworkPolicy(latticeNetwork()))
    await ensureNetworkPolicy(t.ctx, net)
    await ensureNetworkPolicy(t.ctx, net)
    expect(t.cluster.writeLog()).toEqual(['delete NetworkPolicy lattice-test/ledger-nodes'])
    expect(t.events.map(e => e.reason)).toEqual(['NetworkPolicyRemoved'])
  })

  it('the peers ConfigMap follows the nodes\' peer IDs and the external peers, and stays put when they do not change', async () => {
    const t = createTestOperator()
    const net = latticeNetwork(withExternalPeers({ name: 'site-b', multiaddr: '/dns4/b.example/tcp/9000/p2p/12D3KooWSiteB', url: 'https://b.example' }))
    t.cluster.put(net)
    const n0 = latticeNode(net, 0, withNodeStatus({ peerId: '12D3KooWZero' }))
    const n1 = latticeNode(net, 1)
    expect(await ensurePeersConfigMap(t.ctx, net, [n0, n1])).toBe('created')
    const file = (): ReturnType<typeof parsePeersConfigMap> => parsePeersConfigMap(t.cluster.get<V1ConfigMap>('ConfigMap', ns, 'ledger-peers'))
    expect(file()?.members).toEqual(['12D3KooWZero', '12D3KooWSiteB'])
    expect(file()?.bootstrap).toEqual(['/dns4/ledger-0.lattice-test.svc.cluster.local/tcp/9000/p2p/12D3KooWZero', '/dns4/b.example/tcp/9000/p2p/12D3KooWSiteB'])
    expect(await ensurePeersConfigMap(t.ctx, net, [n0, n1])).toBe('unchanged')
    // ledger-1's identity appears: one patch adds it
    expect(await ensurePeersConfigMap(t.ctx, net, [n0, latticeNode(net, 1, withNodeStatus({ peerId: '12D3KooWOne' }))])).toBe('patched')
    expect(file()?.members).toEqual(['12D3KooWZero', '12D3KooWOne', '12D3KooWSiteB'])
    expect(t.cluster.writeLog()).toEqual(['create ConfigMap lattice-test/ledger-peers', 'patch ConfigMap lattice-test/ledger-peers'])
  })
})
