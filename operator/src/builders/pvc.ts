import type { V1PersistentVolumeClaim } from '@kubernetes/client-node'
import type { LatticeNode } from '../api/types.js'
import { resolveTemplate } from '../api/defaults.js'
import { controllerRef } from './owner.js'
import { nodeLabels, pvcName } from './names.js'

/**
 * The node's data volume. It carries an owner reference like every child; with reclaimPolicy Retain
 * the node controller's finalizer removes that reference before the node goes, so the PVC survives.
 */
export function buildPvc (node: LatticeNode): V1PersistentVolumeClaim {
  const name = node.metadata.name ?? ''
  const t = resolveTemplate(node.spec)
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: pvcName(name),
      namespace: node.metadata.namespace,
      labels: nodeLabels(node.spec.networkName, name, node.spec.ordinal, 'data'),
      ownerReferences: [controllerRef(node)]
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: String(t.storage.size) } },
      ...(t.storage.storageClassName !== undefined && t.storage.storageClassName !== '' ? { storageClassName: t.storage.storageClassName } : {})
    }
  }
}
