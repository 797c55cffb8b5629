import { describe, expect, it } from '@jest/globals'
import { latticeNetwork, withSpec, withReplicas, withImage } from '../../../packages/testkit/src/fixtures/index.js'
import { ANNOTATION_TEMPLATE_HASH, buildLatticeNode, nodeHasTemplate, nodeTemplate, templateHash } from './lattice-node.js'
import { MissingUidError } from './owner.js'

describe('buildLatticeNode', () => {
  it('copies the template, names the node and sets the controller owner reference', () => {
    const net = latticeNetwork(withSpec({ sync: { mode: 'http' }, externalPeers: [], rollout: { progressDeadlineSeconds: 5 } }))
    const node = buildLatticeNode(net, 2)
    expect(node.metadata.name).toBe('ledger-2')
    expect(node.metadata.namespace).toBe('lattice-test')
    expect(node.spec).toEqual({ image: 'lattice-node:0.1.0', sync: { mode: 'http' }, networkName: 'ledger', ordinal: 2 })
    expect(node.metadata.ownerReferences).toEqual([{ apiVersion: 'lattice.diotec360.com/v1alpha1', kind: 'LatticeNetwork', name: 'ledger', uid: net.metadata.uid, controller: true, blockOwnerDeletion: true }])
    expect(node.metadata.annotations?.[ANNOTATION_TEMPLATE_HASH]).toBe(templateHash(nodeTemplate(net)))
  })
  it('template hash follows the image but not replicas or rollout settings', () => {
    const a = templateHash(nodeTemplate(latticeNetwork(withReplicas(3))))
    expect(templateHash(nodeTemplate(latticeNetwork(withSpec({ replicas: 5, rollout: { progressDeadlineSeconds: 9 } }))))).toBe(a)
    expect(templateHash(nodeTemplate(latticeNetwork(withImage('lattice-node:0.2.0'))))).not.toBe(a)
  })
  it('refuses an owner without uid', () => {
    const net = latticeNetwork()
    delete net.metadata.uid
    expect(() => buildLatticeNode(net, 0)).toThrow(MissingUidError)
  })
  it('matches the snapshot', () => {
    expect(buildLatticeNode(latticeNetwork(), 0)).toMatchSnapshot('lattice-node')
  })
})

describe('nodeHasTemplate', () => {
  it('is true for a node built from the network, false once its spec is edited or the network changes', () => {
    const net = latticeNetwork(withSpec({ sync: { mode: 'auto', heartbeatIntervalSeconds: 5 } }))
    const hash = templateHash(nodeTemplate(net))
    const node = buildLatticeNode(net, 0)
    expect(nodeHasTemplate(node, hash)).toBe(true)
    expect(nodeHasTemplate({ ...node, spec: { ...node.spec, image: 'edited:1' } }, hash)).toBe(false)
    expect(nodeHasTemplate(node, templateHash(nodeTemplate(latticeNetwork(withImage('lattice-node:0.2.0')))))).toBe(false)
  })
})
