import { describe, expect, it } from '@jest/globals'
import { createTestOperator } from '../../../packages/testkit/src/operator/context.js'
import { latticeNetwork } from '../../../packages/testkit/src/fixtures/network.js'
import { latticeNode } from '../../../packages/testkit/src/fixtures/node.js'
import { nodePod } from '../../../packages/testkit/src/fixtures/pod.js'
import { withLabels } from '../../../packages/testkit/src/fixtures/meta.js'
import { buildHeadlessService, buildNodeService } from '../builders/services.js'
import { buildPvc } from '../builders/pvc.js'
import { networkController } from './network/controller.js'
import { nodeController } from './node/controller.js'
import { allKeys, connectWatches } from './watch.js'

function wired (): { t: ReturnType<typeof createTestOperator>, network: string[], node: string[] } {
  const t = createTestOperator()
  const network: string[] = []
  const node: string[] = []
  connectWatches(networkController(t.ctx), k => network.push(k))
  connectWatches(nodeController(t.ctx), k => node.push(k))
  return { t, network, node }
}

describe('controller watches', () => {
  const net = latticeNetwork()
  const n0 = latticeNode(net, 0)

  it('a network wakes its own controller only', () => {
    const { t, network, node } = wired()
    t.cluster.put(net)
    expect(network).toEqual(['lattice-test/ledger'])
    expect(node).toEqual([])
  })

  it('a node wakes itself and its network', () => {
    const { t, network, node } = wired()
    t.cluster.put(n0)
    expect(node).toEqual(['lattice-test/ledger-0'])
    expect(network).toEqual(['lattice-test/ledger'])
  })

  it('a node\'s children (pod, PVC, Service) wake the node; the network\'s children wake the network', () => {
    const { t, network, node } = wired()
    t.cluster.put(nodePod(n0), buildPvc(n0), buildNodeService(n0))
    expect(node).toEqual(['lattice-test/ledger-0', 'lattice-test/ledger-0', 'lattice-test/ledger-0'])
    expect(network).toEqual([])
    t.cluster.put(buildHeadlessService(net))
    expect(network).toEqual(['lattice-test/ledger'])
    expect(node).toHaveLength(3)
  })

  it('changes and deletions wake the same keys; objects without the operator\'s label are not watched', () => {
    const { t, node } = wired()
    const pod = nodePod(n0)
    t.cluster.put(pod)
    t.cluster.setStatus('Pod', 'lattice-test', 'ledger-0', { podIP: '10.0.0.1' })
    t.cluster.remove('Pod', 'lattice-test', 'ledger-0')
    expect(node).toEqual(['lattice-test/ledger-0', 'lattice-test/ledger-0', 'lattice-test/ledger-0'])
    t.cluster.put(nodePod(latticeNode(net, 1), withLabels({ 'app.kubernetes.io/managed-by': 'somebody-else' })))
    expect(node).toHaveLength(3)
  })

  it('taking the lead queues every object of the primary resource', () => {
    const { t } = wired()
    t.cluster.put(net, n0, latticeNode(net, 1))
    expect(allKeys(networkController(t.ctx))).toEqual(['lattice-test/ledger'])
    expect(allKeys(nodeController(t.ctx)).sort()).toEqual(['lattice-test/ledger-0', 'lattice-test/ledger-1'])
  })
})
