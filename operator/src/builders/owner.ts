import type { V1OwnerReference } from '@kubernetes/client-node'

export interface OwnerLike {
  apiVersion: string
  kind: string
  metadata: { name?: string, uid?: string }
}

export class MissingUidError extends Error {
  readonly kind: string
  readonly objectName: string | undefined
  constructor (kind: string, objectName: string | undefined) {
    super(`${kind} ${objectName ?? '?'} has no uid: it must be read from the API server before it can own children`)
    this.name = 'MissingUidError'
    this.kind = kind
    this.objectName = objectName
  }
}

/** The controller owner reference: garbage collection deletes the child with its owner. */
export function controllerRef (owner: OwnerLike): V1OwnerReference {
  const uid = owner.metadata.uid
  const name = owner.metadata.name
  if (uid === undefined || name === undefined) throw new MissingUidError(owner.kind, name)
  return { apiVersion: owner.apiVersion, kind: owner.kind, name, uid, controller: true, blockOwnerDeletion: true }
}
