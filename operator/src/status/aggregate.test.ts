import { describe, expect, it } from '@jest/globals'
import { findCondition } from './conditions.js'
import type { NodeView } from './node-view.js'
import { aggregateNetworkStatus } from './aggregate.js'

const now = new Date('2026-01-01T00:00:00Z')
const ok = (name: string, ordinal: number, extra: Partial<NodeView> = {}): NodeView => ({ name, ordinal, up: true, ready: true, templateCurrent: true, podCurrent: true, synced: true, diverged: false, mode: 'P2P', peerCount: 2, merkleRoot: 'abcdef0123456789ff', ...extra })

describe('aggregateNetworkStatus', () => {
  it('a healthy 3-node network: 3/3, peers 2, mode P2P, one root, Ready, not Degraded, not Diverged', () => {
    const s = aggregateNetworkStatus({ generation: 3, desiredReplicas: 3, nodes: [ok('n-0', 0), ok('n-1', 1), ok('n-2', 2)], networkRoot: 'abcdef0123456789ff', rollout: { kind: 'complete' }, now })
    expect(s).toMatchObject({ observedGeneration: 3, replicas: 3, readyReplicas: 3, syncedReplicas: 3, updatedReplicas: 3, ready: '3/3', peers: 2, mode: 'P2P', merkleRoot: 'abcdef0123456789ff', merkleRootShort: 'abcdef012345', divergentNodes: [], divergentNodeCount: 0 })
    expect(findCondition(s.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'AllNodesReady', observedGeneration: 3 })
    expect(findCondition(s.conditions, 'Progressing')).toMatchObject({ status: 'True', reason: 'RolloutComplete' })
    expect(findCondition(s.conditions, 'Degraded')).toMatchObject({ status: 'False' })
    expect(findCondition(s.conditions, 'Diverged')).toMatchObject({ status: 'False', reason: 'InSync' })
  })
  it('a node in HTTP mode with no peers: Mixed mode, peers 0, Degraded P2PUnavailable', () => {
    const s = aggregateNetworkStatus({ desiredReplicas: 3, nodes: [ok('n-0', 0, { peerCount: 1 }), ok('n-1', 1, { peerCount: 1 }), ok('n-2', 2, { mode: 'HTTP', peerCount: 0 })], networkRoot: 'abcdef0123456789ff', rollout: { kind: 'complete' }, now })
    expect(s.mode).toBe('Mixed')
    expect(s.peers).toBe(0)
    expect(findCondition(s.conditions, 'Degraded')).toMatchObject({ status: 'True', reason: 'P2PUnavailable' })
  })
  it('a diverged node: Diverged=True listing it', () => {
    const s = aggregateNetworkStatus({ desiredReplicas: 3, nodes: [ok('n-0', 0), ok('n-1', 1), ok('n-2', 2, { synced: false, diverged: true, merkleRoot: 'ff' })], networkRoot: 'abcdef0123456789ff', rollout: { kind: 'complete' }, now })
    expect(s.divergentNodes).toEqual(['n-2'])
    expect(s.divergentNodeCount).toBe(1)
    expect(s.syncedReplicas).toBe(2)
    expect(findCondition(s.conditions, 'Diverged')).toMatchObject({ status: 'True', reason: 'StateDiverged' })
  })
  it('a stalled rollout: Progressing=False RolloutStalled; scaling: Ready False and Progressing Scaling', () => {
    const stalled = aggregateNetworkStatus({ desiredReplicas: 3, nodes: [ok('n-0', 0), ok('n-1', 1), ok('n-2', 2, { ready: false })], networkRoot: 'x', rollout: { kind: 'stalled', node: 'n-2', elapsedMs: 700_000 }, now })
    expect(findCondition(stalled.conditions, 'Progressing')).toMatchObject({ status: 'False', reason: 'RolloutStalled' })
    expect(findCondition(stalled.conditions, 'Degraded')).toMatchObject({ status: 'True', reason: 'NodesUnavailable' })
    const scaling = aggregateNetworkStatus({ desiredReplicas: 5, nodes: [ok('n-0', 0), ok('n-1', 1), ok('n-2', 2)], networkRoot: 'x', rollout: { kind: 'complete' }, now })
    expect(scaling.ready).toBe('3/5')
    expect(findCondition(scaling.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'NodesNotReady' })
    expect(findCondition(scaling.conditions, 'Progressing')).toMatchObject({ status: 'True', reason: 'Scaling' })
  })
  it('a node whose pod cannot start says why in Ready and Degraded', () => {
    const stuck = { reason: 'ImagePullBackOff', message: 'pod n-1: container node: Back-off pulling image "lattice-node:nope"' }
    const s = aggregateNetworkStatus({ desiredReplicas: 2, nodes: [ok('n-0', 0), ok('n-1', 1, { up: false, ready: false, stuck })], networkRoot: 'abcdef0123456789ff', rollout: { kind: 'complete' }, now })
    expect(findCondition(s.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'NodesNotReady', message: '1/2 nodes ready; n-1: ImagePullBackOff (pod n-1: container node: Back-off pulling image "lattice-node:nope")' })
    expect(findCondition(s.conditions, 'Degraded')?.message).toContain('n-1: ImagePullBackOff')
  })
  it('keeps lastTransitionTime across reconciles with unchanged statuses', () => {
    const a = aggregateNetworkStatus({ desiredReplicas: 1, nodes: [ok('n-0', 0)], networkRoot: 'x', rollout: { kind: 'complete' }, now })
    const b = aggregateNetworkStatus({ desiredReplicas: 1, nodes: [ok('n-0', 0)], networkRoot: 'x', rollout: { kind: 'complete' }, previous: a, now: new Date('2026-01-02T00:00:00Z') })
    expect(b.conditions).toEqual(a.conditions)
  })
})
