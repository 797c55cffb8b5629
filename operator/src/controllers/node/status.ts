/** LatticeNode status from its pod and the last probe of its API. */
import type { V1Pod } from '@kubernetes/client-node'
import type { LatticeNode, LatticeNodeStatus } from '../../api/types.js'
import { resolveTemplate, tlsEnabled } from '../../api/defaults.js'
import { TLS_KEYS } from '../../api/constants.js'
import { probeServerName } from '../../builders/tls.js'
import { trustConfigMapName } from '../../builders/names.js'
import { podHashOf } from '../../builders/pod.js'
import { canonicalJson } from '../../../../packages/contracts/src/canonical-json.js'
import { setConditions, transitions } from '../../status/conditions.js'
import { recoveringCondition } from './recovering.js'
import { shortRoot } from '../../status/aggregate.js'
import type { ProbeResult, ProbeTarget } from '../../probe/prober.js'
import { refOf } from '../../kube/client.js'
import type { OperatorContext } from '../context.js'

/** Fields the network controller owns in a node's status (the node controller leaves them alone). */
const NETWORK_OWNED = ['diverged', 'divergingSince'] as const

/** The prober's key for a node's pod: the pod IP is part of it, so a previous pod's result never describes the new one. */
export const probeKey = (namespace: string, node: string, podIP: string): string => `${namespace}/${node}@${podIP}`

/**
 * Where and how to probe a node: its pod IP, over https verifying the network's trust bundle when the
 * network has TLS (`trust` is the bundle's PEM; without one yet the probe fails, as it should).
 */
export function probeTarget (node: LatticeNode, pod: V1Pod | undefined, trust?: string): ProbeTarget | undefined {
  const ip = pod?.status?.podIP
  if (ip === undefined || ip === '') return undefined
  const port = resolveTemplate(node.spec).ports.http
  const host = ip.includes(':') ? `[${ip}]` : ip
  const tls = tlsEnabled(node.spec)
  const namespace = node.metadata.namespace ?? ''
  return {
    key: probeKey(namespace, node.metadata.name ?? '', ip),
    baseUrl: `${tls ? 'https' : 'http'}://${host}:${port}`,
    ...(tls && trust !== undefined ? { tls: { ca: trust, servername: probeServerName({ node: node.metadata.name ?? '', namespace, network: node.spec.networkName, clusterDomain: '' }) } } : {})
  }
}

/** The network's trust bundle (PEM) from the cache, when its nodes serve TLS. */
export function trustBundle (ctx: OperatorContext, node: LatticeNode): string | undefined {
  if (!tlsEnabled(node.spec)) return undefined
  return ctx.caches.configMaps.get(trustConfigMapName(node.spec.networkName), node.metadata.namespace)?.data?.[TLS_KEYS.ca]
}

export function podReady (pod: V1Pod | undefined): boolean {
  return pod?.metadata?.deletionTimestamp === undefined && pod?.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') === true
}

/**
 * Container waiting reasons after which a pod stays not Ready until something changes (the image,
 * its configuration, the crashing program): reported as they are instead of a plain PodNotReady.
 */
export const STUCK_WAITING_REASONS: ReadonlySet<string> = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'CrashLoopBackOff'])

/** Why a pod's containers cannot run, from the first stuck waiting state (init containers first). */
export function podStuckReason (pod: V1Pod | undefined): { reason: string, message: string } | undefined {
  for (const c of [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])]) {
    const w = c.state?.waiting
    if (w?.reason !== undefined && STUCK_WAITING_REASONS.has(w.reason)) return { reason: w.reason, message: `container ${c.name}: ${w.message ?? w.reason}` }
  }
  return undefined
}

function notReadyCondition (pod: V1Pod | undefined): { type: 'Ready', status: 'False', reason: string, message: string } {
  if (pod === undefined) return { type: 'Ready', status: 'False', reason: 'PodMissing', message: 'no pod yet' }
  const name = pod.metadata?.name ?? ''
  const stuck = podStuckReason(pod)
  return stuck !== undefined
    ? { type: 'Ready', status: 'False', reason: stuck.reason, message: `pod ${name}: ${stuck.message}` }
    : { type: 'Ready', status: 'False', reason: 'PodNotReady', message: `pod ${name} is not ready` }
}

/** The status the node should have now (without lastProbeTime), keeping network-owned fields. */
export function desiredNodeStatus (node: LatticeNode, pod: V1Pod | undefined, peerId: string | undefined, probe: ProbeResult | undefined, now: Date): LatticeNodeStatus {
  const prev = node.status ?? {}
  const up = probe?.up === true
  const ready = podReady(pod)
  const st = up ? probe?.status : undefined
  const root = up ? probe?.state?.merkle_root ?? st?.merkle_root : prev.merkleRoot
  const records = up ? probe?.state?.record_count ?? st?.record_count : prev.recordCount
  const hash = podHashOf(pod)
  const next: LatticeNodeStatus = {
    ...(node.metadata.generation !== undefined ? { observedGeneration: node.metadata.generation } : {}),
    ...(peerId !== undefined ? { peerId } : {}),
    ...(pod?.metadata?.name !== undefined ? { podName: pod.metadata.name } : {}),
    ...(pod?.status?.podIP !== undefined ? { podIP: pod.status.podIP } : {}),
    ...(hash !== undefined ? { podSpecHash: hash } : {}),
    up,
    ready,
    ...(st !== undefined
      ? {
          peerCount: st.peer_count,
          hasPeers: st.has_peers,
          syncMode: st.sync_mode,
          mode: st.mode,
          httpSyncEnabled: st.http_sync_enabled,
          heartbeatActive: st.heartbeat_active,
          ...(st.last_sync !== null && st.last_sync !== undefined ? { lastSync: st.last_sync } : {})
        }
      : {}),
    ...(root !== undefined ? { merkleRoot: root, merkleRootShort: shortRoot(root) } : {}),
    ...(records !== undefined ? { recordCount: records } : {})
  }
  for (const k of NETWORK_OWNED) if (prev[k] !== undefined) (next as Record<string, unknown>)[k] = prev[k]
  const diverged = prev.diverged === true
  next.conditions = setConditions(prev.conditions, [
    ready
      ? { type: 'Ready', status: 'True', reason: 'PodReady', message: `pod ${pod?.metadata?.name ?? ''} is ready` }
      : notReadyCondition(pod),
    up
      ? { type: 'Reachable', status: 'True', reason: 'ProbeSucceeded', message: 'the node API answered' }
      : { type: 'Reachable', status: 'False', reason: probe === undefined ? 'NotProbed' : 'ProbeFailed', message: probe?.error ?? 'not probed yet (no pod IP)' },
    diverged
      ? { type: 'Diverged', status: 'True', reason: 'StateDiverged', message: 'Merkle root differs from the network\'s beyond the grace period' }
      : { type: 'Diverged', status: 'False', reason: 'InSync', message: 'Merkle root agrees with the network (or not judged yet)' },
    recoveringCondition(probe)
  ], node.metadata.generation, now)
  return next
}

const comparable = (s: LatticeNodeStatus): string => canonicalJson({ ...s, lastProbeTime: undefined })

/** Write the status when it changed (ignoring lastProbeTime); Events for condition transitions. */
export async function writeNodeStatus (ctx: OperatorContext, node: LatticeNode, next: LatticeNodeStatus): Promise<boolean> {
  const prev = node.status ?? {}
  if (comparable(prev) === comparable(next)) return false
  const patch: Record<string, unknown> = { ...next, lastProbeTime: ctx.now().toISOString().replace(/\.\d{3}Z$/, 'Z') }
  for (const k of Object.keys(prev)) if (!(k in patch)) patch[k] = null
  await ctx.client.patchStatus(refOf(node), patch)
  for (const t of transitions(prev.conditions, next.conditions ?? [])) {
    if (t.previous === undefined) continue
    if (t.condition.type === 'Diverged') continue // the network controller records those
    ctx.events.event(node, t.condition.status === 'True' ? 'Normal' : 'Warning', t.condition.reason, `${t.condition.type}=${t.condition.status}: ${t.condition.message}`)
  }
  return true
}

/** Compare the probe-derived status with what is stored: does the node need a reconcile? */
export function statusChanged (node: LatticeNode, next: LatticeNodeStatus): boolean {
  return comparable(node.status ?? {}) !== comparable(next)
}
