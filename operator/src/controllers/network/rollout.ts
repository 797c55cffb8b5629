/** Carry out a rollout decision: give one node the network's current template. */
import type { LatticeNetwork, LatticeNode } from '../../api/types.js'
import { ANNOTATION_TEMPLATE_HASH, TEMPLATE_FIELDS, nodeTemplate, templateHash } from '../../builders/lattice-node.js'
import { refOf } from '../../kube/client.js'
import type { OperatorContext } from '../context.js'

/** Merge patch that makes the node's template equal the network's (null removes fields dropped from it). */
export function templatePatch (net: LatticeNetwork): Record<string, unknown> {
  const t = nodeTemplate(net) as unknown as Record<string, unknown>
  const spec: Record<string, unknown> = {}
  // Full values; updateNodeTemplate adds nulls for nested keys the template no longer has
  // (a merge patch merges objects, so a dropped key would otherwise survive).
  for (const k of TEMPLATE_FIELDS) spec[k] = t[k] ?? null
  return { metadata: { annotations: { [ANNOTATION_TEMPLATE_HASH]: templateHash(nodeTemplate(net)) } }, spec }
}

function nullsFor (oldV: unknown, newV: unknown): unknown {
  if (newV === null || typeof newV !== 'object' || Array.isArray(newV)) return newV
  if (oldV === null || typeof oldV !== 'object' || Array.isArray(oldV)) return newV
  const out: Record<string, unknown> = { ...(newV as Record<string, unknown>) }
  for (const k of Object.keys(oldV)) {
    if (!(k in out)) out[k] = null
    else out[k] = nullsFor((oldV as Record<string, unknown>)[k], out[k])
  }
  return out
}

export async function updateNodeTemplate (ctx: OperatorContext, net: LatticeNetwork, node: LatticeNode): Promise<void> {
  const patch = templatePatch(net)
  const spec = patch.spec as Record<string, unknown>
  for (const k of TEMPLATE_FIELDS) spec[k] = nullsFor((node.spec as unknown as Record<string, unknown>)[k], spec[k])
  await ctx.client.mergePatch(refOf(node), patch)
  ctx.events.event(net, 'Normal', 'RollingOut', `updating node ${node.metadata.name ?? ''} to the current spec (image ${net.spec.image})`)
}
