/**
 * PVC and its reclaim. Every PVC has the node as owner; with reclaimPolicy Retain the node carries a
 * finalizer whose only job is to drop that owner reference before the node goes, so the garbage
 * collector leaves the PVC (and its ledger) alone. With Delete no finalizer is needed: the collector
 * deletes the PVC with the node.
 */
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node'
import { FINALIZER_STORAGE } from '../../api/constants.js'
import { resolveTemplate } from '../../api/defaults.js'
import type { LatticeNode } from '../../api/types.js'
import { buildPvc } from '../../builders/pvc.js'
import { pvcName } from '../../builders/names.js'
import { refOf } from '../../kube/client.js'
import { isAlreadyExists, retryOnConflict } from '../../kube/errors.js'
import type { OperatorContext } from '../context.js'

export async function ensurePvc (ctx: OperatorContext, node: LatticeNode): Promise<void> {
  if (ctx.caches.pvcs.get(pvcName(node.metadata.name ?? ''), node.metadata.namespace) !== undefined) return
  try {
    await ctx.client.create(buildPvc(node))
  } catch (err) {
    if (!isAlreadyExists(err)) throw err
  }
}

export const wantsFinalizer = (node: LatticeNode): boolean => resolveTemplate(node.spec).storage.reclaimPolicy === 'Retain'

/** Add or remove the storage finalizer to match the reclaim policy (optimistic concurrency on the list). */
export async function syncFinalizer (ctx: OperatorContext, node: LatticeNode): Promise<void> {
  const has = node.metadata.finalizers?.includes(FINALIZER_STORAGE) === true
  const want = wantsFinalizer(node)
  if (has === want) return
  await setFinalizer(ctx, node, want)
}

async function setFinalizer (ctx: OperatorContext, node: LatticeNode, present: boolean): Promise<void> {
  await retryOnConflict(async () => {
    const fresh = await ctx.client.get<LatticeNode>(refOf(node))
    if (fresh === undefined) return
    const list = (fresh.metadata.finalizers ?? []).filter(f => f !== FINALIZER_STORAGE)
    if (present) list.push(FINALIZER_STORAGE)
    // resourceVersion makes the list replacement conditional: a 409 re-reads and tries again.
    await ctx.client.mergePatch(refOf(node), { metadata: { finalizers: list, resourceVersion: fresh.metadata.resourceVersion } })
  })
}

/** Deletion with Retain: orphan the PVC, then let the node go. */
export async function finalizeStorage (ctx: OperatorContext, node: LatticeNode): Promise<void> {
  if (node.metadata.finalizers?.includes(FINALIZER_STORAGE) !== true) return
  const ns = node.metadata.namespace ?? ''
  const name = pvcName(node.metadata.name ?? '')
  const pvc = ctx.caches.pvcs.get(name, ns) ?? await ctx.client.get<V1PersistentVolumeClaim>({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name })
  if (pvc !== undefined && resolveTemplate(node.spec).storage.reclaimPolicy === 'Retain') {
    const refs = (pvc.metadata?.ownerReferences ?? []).filter(r => r.uid !== node.metadata.uid)
    if (refs.length !== (pvc.metadata?.ownerReferences ?? []).length) {
      await ctx.client.mergePatch({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name }, { metadata: { ownerReferences: refs.length > 0 ? refs : null } })
      ctx.events.event(node, 'Normal', 'StorageRetained', `PVC ${name} kept (reclaimPolicy Retain)`)
    }
  }
  await setFinalizer(ctx, node, false)
}
