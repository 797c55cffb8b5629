import { describe, expect, it } from '@jest/globals'
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node'
import type { LatticeNode } from '../../api/types.js'
import { findCondition } from '../../status/conditions.js'
import { createTestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode, withNodeStatus } from '../../../../packages/testkit/src/fixtures/node.js'
import { NODE_KIND } from '../../api/constants.js'
import { desiredNodeStatus, podStuckReason, writeNodeStatus } from './status.js'

const now = new Date('2026-01-01T00:00:00Z')
const node: LatticeNode = { apiVersion: 'lattice.diotec360.com/v1alpha1', kind: 'LatticeNode', metadata: { name: 'net-0', namespace: 'ns', generation: 1 }, spec: { network: 'net', ordinal: 0 } } as unknown as LatticeNode

function pod (containers: V1ContainerStatus[], init: V1ContainerStatus[] = []): V1Pod {
  return { metadata: { name: 'net-0' }, status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: containers, initContainerStatuses: init } }
}
const waiting = (name: string, reason: string, message?: string): V1ContainerStatus => ({ name, image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message } } })

describe('node status from its pod', () => {
  it('says ImagePullBackOff, with the kubelet\'s message, when the image cannot be pulled', () => {
    const s = desiredNodeStatus(node, pod([waiting('node', 'ImagePullBackOff', 'Back-off pulling image "lattice-node:nope"')]), undefined, undefined, now)
    expect(findCondition(s.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'ImagePullBackOff', message: 'pod net-0: container node: Back-off pulling image "lattice-node:nope"' })
  })

  it('reports an init container\'s stuck state first', () => {
    expect(podStuckReason(pod([waiting('node', 'PodInitializing')], [waiting('init', 'CrashLoopBackOff', 'back-off 10s')]))).toEqual({ reason: 'CrashLoopBackOff', message: 'container init: back-off 10s' })
  })

  it('keeps PodNotReady while containers merely start, and PodMissing without a pod', () => {
    expect(findCondition(desiredNodeStatus(node, pod([waiting('node', 'ContainerCreating')]), undefined, undefined, now).conditions, 'Ready')).toMatchObject({ reason: 'PodNotReady', message: 'pod net-0 is not ready' })
    expect(findCondition(desiredNodeStatus(node, undefined, undefined, undefined, now).conditions, 'Ready')).toMatchObject({ reason: 'PodMissing' })
  })
})

describe('node status writes', () => {
  const net = latticeNetwork()

  it('writes nothing when only the probe time would change; keeps the network-owned divergence fields', async () => {
    const t = createTestOperator()
    const n = latticeNode(net, 0, withNodeStatus({ diverged: true, divergingSince: '2026-05-31T00:00:00Z' }))
    t.cluster.put(n)
    const stored = (): LatticeNode => t.cluster.get<LatticeNode>(NODE_KIND, 'lattice-test', 'ledger-0') as LatticeNode
    expect(await writeNodeStatus(t.ctx, stored(), desiredNodeStatus(stored(), undefined, '12D3KooWA', undefined, t.clock.now()))).toBe(true)
    expect(stored().status).toMatchObject({ diverged: true, divergingSince: '2026-05-31T00:00:00Z', lastProbeTime: '2026-06-01T12:00:00Z' })
    t.clock.advance(60_000)
    expect(await writeNodeStatus(t.ctx, stored(), desiredNodeStatus(stored(), undefined, '12D3KooWA', undefined, t.clock.now()))).toBe(false)
    expect(t.cluster.writesOf('patchStatus')).toHaveLength(1)
  })

  it('Events on condition transitions, not on the first status nor for Diverged (the network controller records those)', async () => {
    const t = createTestOperator()
    t.cluster.put(latticeNode(net, 0))
    const stored = (): LatticeNode => t.cluster.get<LatticeNode>(NODE_KIND, 'lattice-test', 'ledger-0') as LatticeNode
    await writeNodeStatus(t.ctx, stored(), desiredNodeStatus(stored(), undefined, undefined, undefined, t.clock.now()))
    expect(t.events).toEqual([])
    t.cluster.setStatus(NODE_KIND, 'lattice-test', 'ledger-0', { diverged: true })
    const ready: V1Pod = { metadata: { name: 'ledger-0' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }
    await writeNodeStatus(t.ctx, stored(), desiredNodeStatus(stored(), ready, undefined, undefined, t.clock.now()))
    expect(findCondition(stored().status?.conditions, 'Diverged')?.status).toBe('True')
    expect(t.events.map(e => `${e.type} ${e.reason}`)).toEqual(['Normal PodReady'])
  })
})
