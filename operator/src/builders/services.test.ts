import { describe, expect, it } from '@jest/globals'
import { latticeNetwork, withSpec, withReplicas } from '../../../packages/testkit/src/fixtures/index.js'
import { buildLatticeNode } from './lattice-node.js'
import { buildHeadlessService, buildNodeService } from './services.js'
import { buildPodDisruptionBudget } from './pdb.js'

describe('Services and PDB', () => {
  const net = latticeNetwork(withSpec({ ports: { p2p: 9100, http: 8180 }, service: { type: 'LoadBalancer', annotations: { 'lb.example/x': 'y' } } }))
  it('headless Service selects all node pods and publishes not-ready addresses', () => {
    const svc = buildHeadlessService(net)
    expect(svc.metadata?.name).toBe('ledger-headless')
    expect(svc.spec?.clusterIP).toBe('None')
    expect(svc.spec?.publishNotReadyAddresses).toBe(true)
    expect(svc.spec?.selector).toEqual({ 'lattice.diotec360.com/network': 'ledger', 'app.kubernetes.io/component': 'node' })
    expect(svc.spec?.ports?.map(p => [p.name, p.port])).toEqual([['p2p', 9100], ['http', 8180]])
  })
  it('per-node Service selects exactly its node, with the network service type and annotations', () => {
    const node = { ...buildLatticeNode(net, 1), metadata: { ...buildLatticeNode(net, 1).metadata, uid: 'node-uid' } }
    const svc = buildNodeService(node)
    expect(svc.metadata?.name).toBe('ledger-1')
    expect(svc.spec?.type).toBe('LoadBalancer')
    expect(svc.metadata?.annotations).toEqual({ 'lb.example/x': 'y' })
    expect(svc.spec?.selector).toEqual({ 'lattice.diotec360.com/node': 'ledger-1', 'app.kubernetes.io/component': 'node' })
    expect(svc.metadata?.ownerReferences?.[0]?.kind).toBe('LatticeNode')
  })
  it('PDB allows one unavailable node (minAvailable replicas - 1)', () => {
    const pdb = buildPodDisruptionBudget(net)
    expect(pdb.spec?.minAvailable).toBe(2)
    expect(pdb.spec?.maxUnavailable).toBeUndefined()
    expect(buildPodDisruptionBudget(latticeNetwork(withReplicas(5))).spec?.minAvailable).toBe(4)
    expect(buildPodDisruptionBudget(latticeNetwork(withReplicas(1))).spec?.minAvailable).toBe(0)
    expect(pdb.spec?.selector?.matchLabels).toEqual({ 'lattice.diotec360.com/network': 'ledger', 'app.kubernetes.io/component': 'node' })
  })
  it('match the snapshots', () => {
    const plain = latticeNetwork()
    const node = buildLatticeNode(plain, 0)
    node.metadata.uid = 'aaaaaaaa-0000-0000-0000-000000000000'
    for (const [name, obj] of [['headless-service', buildHeadlessService(plain)], ['node-service', buildNodeService(node)], ['pdb', buildPodDisruptionBudget(plain)]] as const) {
      expect(obj).toMatchSnapshot(name)
    }
  })
})
