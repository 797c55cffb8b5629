import { describe, expect, it } from '@jest/globals'
import type { V1Pod } from '@kubernetes/client-node'
import { computePodStatus, type ContainerRuntimeState, type PodRuntimeState } from './status.js'

const pod: V1Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } }
const t0 = new Date('2026-01-01T00:00:00Z')
const t1 = new Date('2026-01-01T00:01:00Z')

function rt (c: Partial<ContainerRuntimeState>, extra: Partial<PodRuntimeState> = {}): PodRuntimeState {
  return { hostIP: '127.0.0.1', podIP: '127.9.9.2', initialized: true, init: [], containers: [{ name: 'c', image: 'i', restartCount: 0, state: 'waiting', ready: false, started: false, ...c }], ...extra }
}

describe('computePodStatus', () => {
  it('is Pending before the container runs', () => {
    const s = computePodStatus(pod, rt({}), t0)
    expect(s.phase).toBe('Pending')
    expect(s.containerStatuses?.[0].state?.waiting?.reason).toBe('ContainerCreating')
    expect(s.conditions?.find(c => c.type === 'Ready')?.status).toBe('False')
  })
  it('is Running and Ready with a ready running container, with IPs', () => {
    const s = computePodStatus(pod, rt({ state: 'running', ready: true, started: true, startedAt: t0, pid: 42 }), t0)
    expect(s.phase).toBe('Running')
    expect(s.podIP).toBe('127.9.9.2')
    expect(s.podIPs).toEqual([{ ip: '127.9.9.2' }])
    expect(s.containerStatuses?.[0].containerID).toBe('local://42')
    for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) expect(s.conditions?.find(c => c.type === t)?.status).toBe('True')
  })
  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = computePodStatus(pod, rt({ state: 'running', ready: true }), t0)
    const again = computePodStatus({ ...pod, status: first }, rt({ state: 'running', ready: true }), t1)
    expect(again.conditions?.find(c => c.type === 'Ready')?.lastTransitionTime).toEqual(t0)
    const notReady = computePodStatus({ ...pod, status: first }, rt({ state: 'running', ready: false }), t1)
    expect(notReady.conditions?.find(c => c.type === 'Ready')?.lastTransitionTime).toEqual(t1)
  })
  it('reports terminal phases and back-off', () => {
    expect(computePodStatus(pod, rt({ state: 'terminated', exitCode: 0 }, { finished: 'Succeeded' }), t0).phase).toBe('Succeeded')
    const crash = computePodStatus(pod, rt({ state: 'waiting', waitingReason: 'CrashLoopBackOff', restartCount: 2, lastTerminated: { exitCode: 3, reason: 'Error', finishedAt: t0 } }), t0)
    expect(crash.phase).toBe('Running')
    expect(crash.containerStatuses?.[0].restartCount).toBe(2)
    expect(crash.containerStatuses?.[0].lastState?.terminated?.exitCode).toBe(3)
  })
})
