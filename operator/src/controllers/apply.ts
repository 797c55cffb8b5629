/**
 * Create-or-patch from the cache: create when missing, merge-patch only the fields we own when they
 * differ, nothing otherwise (a steady network makes no writes). A create that finds the object
 * already there (cache behind) is not an error: the watch event brings the next reconcile.
 */
import type { KubernetesObject } from '@kubernetes/client-node'
import type { KubeClient } from '../kube/client.js'
import { refOf } from '../kube/client.js'
import { isAlreadyExists } from '../kube/errors.js'
import { canonicalJson } from '../../../packages/contracts/src/canonical-json.js'

export type ApplyResult = 'created' | 'patched' | 'unchanged' | 'exists'

/** The owned part of an object to compare and patch; labels/annotations are compared key by key. */
export type OwnedFields<T> = (obj: T) => Record<string, unknown>

function subsetEqual (want: unknown, have: unknown): boolean {
  if (want === null || typeof want !== 'object' || Array.isArray(want)) return canonicalJson(want) === canonicalJson(have)
  if (have === null || typeof have !== 'object' || Array.isArray(have)) return false
  for (const [k, v] of Object.entries(want)) {
    if (v === undefined) continue
    if (!subsetEqual(v, (have as Record<string, unknown>)[k])) return false
  }
  return true
}

export async function ensureObject<T extends KubernetesObject> (client: KubeClient, desired: T, existing: T | undefined, owned: OwnedFields<T>): Promise<ApplyResult> {
  if (existing === undefined) {
    try {
      await client.create(desired)
      return 'created'
    } catch (err) {
      if (isAlreadyExists(err)) return 'exists'
      throw err
    }
  }
  const want = {
    metadata: { labels: desired.metadata?.labels, annotations: desired.metadata?.annotations, ownerReferences: desired.metadata?.ownerReferences },
    ...owned(desired)
  }
  const have = { metadata: existing.metadata, ...owned(existing) }
  if (subsetEqual(want, have)) return 'unchanged'
  await client.mergePatch(refOf(desired), want)
  return 'patched'
}

export { subsetEqual }
