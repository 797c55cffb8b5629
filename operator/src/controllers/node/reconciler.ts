/**
 * LatticeNode reconcile: identity Secret, PVC, per-node Service, Pod, storage finalizer, and status
 * from the pod and the last probe. Level-triggered; reads from the caches.
 */
import type { V1Service } from '@kubernetes/client-node'
import type { LatticeNode } from '../../api/types.js'
import { LABEL_NETWORK } from '../../api/constants.js'
import { buildNodeService } from '../../builders/services.js'
import { nodeServiceName } from '../../builders/names.js'
import { splitKey } from '../../queue/key.js'
import { ensureObject } from '../apply.js'
import type { OperatorContext } from '../context.js'
import type { ReconcileOutcome } from '../runner.js'
import { ensureIdentity } from './identity.js'
import { currentPod, ensurePod } from './pod.js'
import { ensurePvc, finalizeStorage, syncFinalizer } from './storage.js'
import { desiredNodeStatus, probeTarget, trustBundle, writeNodeStatus } from './status.js'

export async function reconcileNode (ctx: OperatorContext, key: string): Promise<ReconcileOutcome | undefined> {
  const { namespace, name } = splitKey(key)
  const node = ctx.caches.nodes.get(name, namespace)
  if (node === undefined) {
    const network = ctx.nodeNetworks.get(key)
    if (network !== undefined) ctx.metrics.removeNode(namespace, network, name)
    ctx.nodeNetworks.delete(key)
    return undefined
  }
  ctx.nodeNetworks.set(key, node.spec.networkName ?? node.metadata.labels?.[LABEL_NETWORK] ?? '')
  if (node.metadata.deletionTimestamp !== undefined) {
    await finalizeStorage(ctx, node)
    return undefined
  }
  await syncFinalizer(ctx, node)
  const peerId = await ensureIdentity(ctx, node)
  await ensurePvc(ctx, node)
  await ensureObject<V1Service>(ctx.client, buildNodeService(node), ctx.caches.services.get(nodeServiceName(name), namespace), s => ({ spec: { type: s.spec?.type, selector: s.spec?.selector, ports: s.spec?.ports } }))
  const action = await ensurePod(ctx, node, peerId)

  const pod = action === 'unchanged' ? currentPod(ctx, node) : undefined
  const target = probeTarget(node, pod, trustBundle(ctx, node))
  const probe = target !== undefined ? ctx.prober.last(target.key) : undefined
  const next = desiredNodeStatus(node, pod, peerId, probe, ctx.now())
  await writeNodeStatus(ctx, node, next)
  publishNodeMetrics(ctx, node, next.up === true, next)
  return undefined
}

export function publishNodeMetrics (ctx: OperatorContext, node: LatticeNode, up: boolean, s: NonNullable<LatticeNode['status']>): void {
  ctx.metrics.setNode(node.metadata.namespace ?? '', node.spec.networkName, node.metadata.name ?? '', {
    up,
    ...(s.peerCount !== undefined ? { peerCount: s.peerCount } : {}),
    ...(s.httpSyncEnabled !== undefined ? { httpSyncEnabled: s.httpSyncEnabled } : {}),
    ...(s.mode !== undefined ? { mode: s.mode } : {}),
    ...(s.heartbeatActive !== undefined ? { heartbeatActive: s.heartbeatActive } : {}),
    ...(s.recordCount !== undefined ? { recordCount: s.recordCount } : {})
  })
}
