/** The LatticeNode objects a LatticeNetwork wants: `<network>-<ordinal>`, each with the network's template. */
import { API_VERSION, GROUP, NODE_KIND } from '../api/constants.js'
import type { LatticeNetwork, LatticeNode, NodeTemplateSpec } from '../api/types.js'
import { contentHash } from './hash.js'
import { controllerRef } from './owner.js'
import { nodeLabels, nodeName } from './names.js'

/** Annotation on a LatticeNode: hash of the template it was last given (the rollout compares it). */
export const ANNOTATION_TEMPLATE_HASH = `${GROUP}/template-hash`

const TEMPLATE_KEYS = [
  'image', 'imagePullPolicy', 'logLevel', 'sync', 'ports', 'storage', 'resources', 'nodeSelector',
  'tolerations', 'affinity', 'topologySpreadConstraints', 'service'
] as const satisfies ReadonlyArray<keyof NodeTemplateSpec>

/** The part of a network spec that each node copies. */
export function nodeTemplate (network: LatticeNetwork): NodeTemplateSpec {
  const out: Record<string, unknown> = {}
  for (const k of TEMPLATE_KEYS) {
    const v = network.spec[k]
    if (v !== undefined) out[k] = v
  }
  return out as unknown as NodeTemplateSpec
}

export const templateHash = (template: NodeTemplateSpec): string => contentHash(template)

export function buildLatticeNode (network: LatticeNetwork, ordinal: number, template: NodeTemplateSpec = nodeTemplate(network)): LatticeNode {
  const networkName = network.metadata.name ?? ''
  const name = nodeName(networkName, ordinal)
  return {
    apiVersion: API_VERSION,
    kind: NODE_KIND,
    metadata: {
      name,
      namespace: network.metadata.namespace,
      labels: nodeLabels(networkName, name, ordinal, 'node'),
      annotations: { [ANNOTATION_TEMPLATE_HASH]: templateHash(template) },
      ownerReferences: [controllerRef(network)]
    },
    spec: { ...template, networkName, ordinal }
  }
}
