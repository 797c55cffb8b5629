import { describe, expect, it } from '@jest/globals'
import { createTestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork, withImage } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode } from '../../../../packages/testkit/src/fixtures/node.js'
import { nodePod } from '../../../../packages/testkit/src/fixtures/pod.js'
import { withDeletionTimestamp, withOwners } from '../../../../packages/testkit/src/fixtures/meta.js'
import type { V1Pod } from '@kubernetes/client-node'
import type { LatticeNode } from '../../api/types.js'
import { buildPeersConfigMap } from '../../builders/peers.js'
import { desiredPodSpecHash, podHashOf } from '../../builders/pod.js'
import { ensurePod } from './pod.js'

const net = latticeNetwork()
const node = latticeNode(net, 0)
const peerId = '12D3KooWSelf'

describe('node pod', () => {
  it('creates the pod from the node spec, with the peers of the network\'s peers file but not itself', async () => {
    const t = createTestOperator()
    t.cluster.put(node, buildPeersConfigMap(net, {
      bootstrap: ['/dns4/ledger-0.lattice-test.svc.cluster.local/tcp/9000/p2p/12D3KooWSelf', '/dns4/ledger-1.lattice-test.svc.cluster.local/tcp/9000/p2p/12D3KooWOne'],
      lattice_nodes: ['http://ledger-0.lattice-test.svc.cluster.local:8080', 'http://ledger-1.lattice-test.svc.cluster.local:8080'],
      members: ['12D3KooWSelf', '12D3KooWOne']
    }))
    expect(await ensurePod(t.ctx, node, peerId)).toBe('created')
    expect(t.cluster.writeLog()).toEqual(['create Pod lattice-test/ledger-0'])
    const pod = t.cluster.writes[0]?.body as V1Pod
    expect(podHashOf(pod)).toBe(desiredPodSpecHash(node))
    const env = new Map(pod.spec?.containers[0]?.env?.map(e => [e.name, e.value]))
    expect(env.get('AETHEL_P2P_BOOTSTRAP')).toBe('/dns4/ledger-1.lattice-test.svc.cluster.local/tcp/9000/p2p/12D3KooWOne')
    expect(env.get('AETHEL_LATTICE_NODES')).toBe('http://ledger-1.lattice-test.svc.cluster.local:8080')
  })

  it('writes nothing while the pod matches the node\'s spec hash', async () => {
    const t = createTestOperator()
    t.cluster.put(node, nodePod(node))
    expect(await ensurePod(t.ctx, node, peerId)).toBe('unchanged')
    expect(t.cluster.writes).toEqual([])
  })

  it('replaces a pod whose hash differs: deletes it now, creates the new one once it is gone', async () => {
    const t = createTestOperator()
    const updated: LatticeNode = latticeNode(latticeNetwork(withImage('lattice-node:0.2.0')), 0)
    t.cluster.put(updated, nodePod(node))
    expect(await ensurePod(t.ctx, updated, peerId)).toBe('replacing')
    expect(t.cluster.writeLog()).toEqual(['delete Pod lattice-test/ledger-0'])
    expect(t.events.map(e => e.reason)).toEqual(['ReplacingPod'])
    // once the kubelet has removed it, the next reconcile creates the new pod
    expect(await ensurePod(t.ctx, updated, peerId)).toBe('created')
    expect(t.cluster.writeLog()).toEqual(['delete Pod lattice-test/ledger-0', 'create Pod lattice-test/ledger-0'])
    expect(podHashOf(t.cluster.get<V1Pod>('Pod', 'lattice-test', 'ledger-0'))).toBe(desiredPodSpecHash(updated))
  })

  it('waits for a terminating pod instead of writing', async () => {
    const t = createTestOperator()
    const updated = latticeNode(latticeNetwork(withImage('lattice-node:0.2.0')), 0)
    t.cluster.put(updated, nodePod(node, withDeletionTimestamp()))
    expect(await ensurePod(t.ctx, updated, peerId)).toBe('terminating')
    expect(t.cluster.writes).toEqual([])
  })

  it('removes a pod of the same name left by an earlier node (another owner), even with the current hash', async () => {
    const t = createTestOperator()
    t.cluster.put(node, nodePod(node, withOwners({ apiVersion: node.apiVersion, kind: 'LatticeNode', name: 'ledger-0', uid: 'an-earlier-node', controller: true })))
    expect(await ensurePod(t.ctx, node, peerId)).toBe('replacing')
    expect(t.cluster.writeLog()).toEqual(['delete Pod lattice-test/ledger-0'])
    expect(t.events[0]?.message).toContain('earlier node')
  })
})
