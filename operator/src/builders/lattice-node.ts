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
  'tolerations', 'affinity', 'topologySpreadConstraints', 'service', 'imagePullSecrets', 'priorityClassName',
  'podTemplate', 'tls'
] as const satisfies ReadonlyArray<keyof NodeTemplateSpec>

export const TEMPLATE_FIELDS: ReadonlyArray<keyof NodeTemplateSpec> = TEMPLATE_KEYS

/** The template fields of a spec (a network's or a node's). */
export function pickTemplate (spec: NodeTemplateSpec): NodeTemplateSpec {
  const out: Record<string, unknown> = {}
  for (const k of TEMPLATE_KEYS) {
    const v = spec[k]
    if (v !== undefined) out[k] = v
  }
  return out as unknown as NodeTemplateSpec
}

/** The part of a network spec that each node copies. */
export function nodeTemplate (network: LatticeNetwork): NodeTemplateSpec {
  return pickTemplate(network.spec)
}

/**
 * Whether a node carries the network's current template. Compares the node's actual spec (not only
 * the annotation), so an edit made to a network-owned LatticeNode by hand is seen as drift and rolled
 * back through the normal one-at-a-time rollout. Both CRDs share the same template schema and
 * defaults, so equal templates hash equal after the API server's defaulting.
 */
export function nodeHasTemplate (node: { spec: NodeTemplateSpec }, currentHash: string): boolean {
  return templateHash(pickTemplate(node.spec)) === currentHash
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
