import type { V1PodDisruptionBudget } from '@kubernetes/client-node'
import type { LatticeNetwork } from '../api/types.js'
import { controllerRef } from './owner.js'
import { networkLabels, networkPodSelector, pdbName } from './names.js'

/** At most one node voluntarily disrupted at a time: the ledger keeps a majority to compare roots with. */
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
      maxUnavailable: 1,
      selector: { matchLabels: networkPodSelector(name) }
    }
  }
}
