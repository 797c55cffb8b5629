/**
 * The LatticeNode controller's watches: the node itself and the children made for it (identity
 * Secret, PVC, Service, Pod). The probe loop is its other source: it enqueues nodes whose status
 * would change.
 */
import { NODE_KIND } from '../../api/constants.js'
import type { OperatorContext } from '../context.js'
import { childNode, watchChildren, type ControllerDefinition } from '../watch.js'
import { reconcileNode } from './reconciler.js'

export function nodeController (ctx: OperatorContext): ControllerDefinition {
  const c = ctx.caches
  return {
    name: 'latticenode',
    kind: NODE_KIND,
    reconcile: async key => await reconcileNode(ctx, key),
    for: c.nodes,
    watches: watchChildren(c, childNode)
  }
}
