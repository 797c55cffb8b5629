import type { V1PodDisruptionBudget } from '@kubernetes/client-node'
import type { LatticeNetwork } from '../api/types.js'
import { resolveNetworkSpec } from '../api/defaults.js'
import { controllerRef } from './owner.js'
import { networkLabels, networkPodSelector, pdbName } from './names.js'

/**
 * At most one node voluntarily disrupted at a time: the ledger keeps a majority to compare roots with.
 * Written as minAvailable = replicas - 1, not maxUnavailable 1: the disruption controller resolves
 * maxUnavailable through the scale subresource of the pods' controller, and a node pod's controller is
 * its LatticeNode (one pod, no scale subresource), so maxUnavailable would leave disruptionsAllowed at 0
 * forever and block every drain. An integer minAvailable needs no scale lookup and means the same.
 */
export function buildPodDisruptionBudget (network: LatticeNetwork): V1PodDisruptionBudget {
  const name = network.metadata.name ?? ''
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: pdbName(name),
      namespace: network.metadata.namespace,
      labels: networkLabels(name, 'pdb'),
      ownerReferences: [controllerRef(network)]
    },
    spec: {
      minAvailable: Math.max(resolveNetworkSpec(network.spec).replicas - 1, 0),
      selector: { matchLabels: networkPodSelector(name) }
    }
  }
}
