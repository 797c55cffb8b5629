import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node'

/** What the kubelet knows about one container. */
export interface ContainerRuntimeState {
  name: string
  image: string
  restartCount: number
  pid?: number
  /** 'waiting' before the first start and during back-off; 'running'; 'terminated' after exit. */
  state: 'waiting' | 'running' | 'terminated'
  waitingReason?: string
  waitingMessage?: string
  startedAt?: Date
  finishedAt?: Date
  exitCode?: number
  terminationReason?: string
  lastTerminated?: { exitCode: number, reason: string, startedAt?: Date, finishedAt: Date }
  ready: boolean
  started: boolean
}

export interface PodRuntimeState {
  podIP?: string
  hostIP: string
  startTime?: Date
  initialized: boolean
  init: ContainerRuntimeState[]
  containers: ContainerRuntimeState[]
  /** A pod-level failure before any container could run (volume, env or image errors). */
  podFailure?: { reason: string, message: string }
  /** Set when the restart policy says the pod is finished. */
  finished?: 'Succeeded' | 'Failed'
}

function containerStatus (c: ContainerRuntimeState): V1ContainerStatus {
  const s: V1ContainerStatus = {
    name: c.name,
    image: c.image,
    imageID: `local://${c.image}`,
    ready: c.ready,
    started: c.started,
    restartCount: c.restartCount,
    state: {}
  }
  if (c.pid != null) s.containerID = `local://${c.pid}`
  if (c.state === 'running') s.state = { running: { startedAt: c.startedAt } }
  else if (c.state === 'terminated') s.state = { terminated: { exitCode: c.exitCode ?? 0, reason: c.terminationReason ?? (c.exitCode === 0 ? 'Completed' : 'Error'), startedAt: c.startedAt, finishedAt: c.finishedAt } }
  else s.state = { waiting: { reason: c.waitingReason ?? 'ContainerCreating', message: c.waitingMessage } }
  if (c.lastTerminated != null) {
    s.lastState = { terminated: { exitCode: c.lastTerminated.exitCode, reason: c.lastTerminated.reason, startedAt: c.lastTerminated.startedAt, finishedAt: c.lastTerminated.finishedAt } }
  }
  return s
}

function phaseOf (rt: PodRuntimeState): NonNullable<V1PodStatus['phase']> {
  if (rt.finished != null) return rt.finished
  if (rt.containers.some(c => c.state === 'running' || c.restartCount > 0 || c.state === 'terminated')) return 'Running'
  return 'Pending'
}

function condition (type: string, ok: boolean, previous: V1PodCondition[] | undefined, now: Date, reason?: string): V1PodCondition {
  const status = ok ? 'True' : 'False'
  const prev = previous?.find(c => c.type === type)
  // lastTransitionTime changes only when the status changes.
  const lastTransitionTime = prev != null && prev.status === status && prev.lastTransitionTime != null ? prev.lastTransitionTime : now
  const c: V1PodCondition = { type, status, lastTransitionTime, lastProbeTime: undefined }
  if (!ok && reason != null) c.reason = reason
  return c
}

/** The pod status the kubelet reports for a runtime state. Pure (injected clock). */
export function computePodStatus (pod: V1Pod, rt: PodRuntimeState, now: Date): V1PodStatus {
  const prev = pod.status?.conditions
  const phase = phaseOf(rt)
  const containersReady = rt.containers.length > 0 && rt.containers.every(c => c.ready) && phase === 'Running'
  const status: V1PodStatus = {
    phase,
    hostIP: rt.hostIP,
    hostIPs: [{ ip: rt.hostIP }],
    startTime: rt.startTime,
    conditions: [
      condition('PodReadyToStartContainers', rt.podIP != null, prev, now),
      condition('Initialized', rt.initialized, prev, now, 'ContainersNotInitialized'),
      condition('ContainersReady', containersReady, prev, now, 'ContainersNotReady'),
      condition('Ready', containersReady, prev, now, 'ContainersNotReady'),
      condition('PodScheduled', true, prev, now)
    ],
    containerStatuses: rt.containers.map(containerStatus),
    qosClass: pod.status?.qosClass
  }
  if (rt.init.length > 0) status.initContainerStatuses = rt.init.map(containerStatus)
  if (rt.podIP != null) {
    status.podIP = rt.podIP
    status.podIPs = [{ ip: rt.podIP }]
  }
  if (rt.podFailure != null) {
    status.reason = rt.podFailure.reason
    status.message = rt.podFailure.message
  }
  return status
}
