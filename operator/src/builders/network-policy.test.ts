import { describe, expect, it } from '@jest/globals'
import type { V1NetworkPolicyPeer } from '@kubernetes/client-node'
import { latticeNetwork, withSpec } from '../../../packages/testkit/src/fixtures/index.js'
import { buildNetworkPolicy, networkPolicySpecOf, OPERATOR_POD_LABELS } from './network-policy.js'

describe('buildNetworkPolicy', () => {
  it('admits the P2P and HTTP ports from the network\'s pods and the operator\'s pods only, ingress only', () => {
    const p = buildNetworkPolicy(latticeNetwork(withSpec({ ports: { p2p: 9100, http: 8180 } })), { operatorNamespace: 'lattice-system' })
    expect(p.metadata).toMatchObject({ name: 'ledger-nodes', namespace: 'lattice-test' })
    expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'LatticeNetwork', name: 'ledger', controller: true })
    expect(p.spec?.podSelector).toEqual({ matchLabels: { 'lattice.diotec360.com/network': 'ledger', 'app.kubernetes.io/component': 'node' } })
    expect(p.spec?.policyTypes).toEqual(['Ingress'])
    expect(p.spec?.ingress).toHaveLength(1)
    expect(p.spec?.ingress?.[0]?.ports).toEqual([{ protocol: 'TCP', port: 9100 }, { protocol: 'TCP', port: 8180 }])
    expect(p.spec?.ingress?.[0]?._from).toEqual([
      { podSelector: { matchLabels: { 'lattice.diotec360.com/network': 'ledger', 'app.kubernetes.io/component': 'node' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'lattice-system' } }, podSelector: { matchLabels: OPERATOR_POD_LABELS } }
    ])
  })
  it('adds the configured sources; an operator outside any known namespace is matched by its labels in every namespace', () => {
    const sources: V1NetworkPolicyPeer[] = [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.7/32'] } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]
    const p = buildNetworkPolicy(latticeNetwork(withSpec({ networkPolicy: { allowedSources: sources } })))
    const from = p.spec?.ingress?.[0]?._from ?? []
    expect(from[1]).toEqual({ namespaceSelector: {}, podSelector: { matchLabels: OPERATOR_POD_LABELS } })
    expect(from.slice(2)).toEqual(sources)
  })
  it('compares the wire form (from) and the client form (_from) equal', () => {
    const p = buildNetworkPolicy(latticeNetwork())
    const wire = JSON.parse(JSON.stringify(p.spec).replaceAll('"_from"', '"from"')) as typeof p.spec
    expect(networkPolicySpecOf(wire)).toEqual(networkPolicySpecOf(p.spec))
    expect(networkPolicySpecOf(p.spec)).toEqual(p.spec)
  })
  it('matches the snapshot', () => {
    expect(buildNetworkPolicy(latticeNetwork(withSpec({ networkPolicy: { allowedSources: [{ ipBlock: { cidr: '198.51.100.0/24' } }] } })), { operatorNamespace: 'lattice-system' })).toMatchSnapshot('network-policy')
  })
})
