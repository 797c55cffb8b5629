import { describe, expect, it } from '@jest/globals'
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node'
import type { LatticeNode } from '../../api/types.js'
import { findCondition } from '../../status/conditions.js'
import { desiredNodeStatus, podStuckReason } from './status.js'

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
