/**
 * The LatticeNetwork controller's watches: the network itself, its LatticeNodes (a node's status
 * feeds the network's), and the network-level children (Secret, Services, PDB, NetworkPolicy,
 * ConfigMaps; pods, PVCs and other per-node children go to the node controller).
 */
import { LABEL_NETWORK, NETWORK_KIND } from '../../api/constants.js'
import type { LatticeNode } from '../../api/types.js'
import type { OperatorContext } from '../context.js'
import { childNetwork, keyOf, watch, watchChildren, type ControllerDefinition } from '../watch.js'
import { reconcileNetwork } from './reconciler.js'

const networkOfNode = (n: LatticeNode): string[] => keyOf(n.metadata.namespace, n.spec?.networkName ?? n.metadata.labels?.[LABEL_NETWORK])

export function networkController (ctx: OperatorContext): ControllerDefinition {
  const c = ctx.caches
  return {
    name: 'latticenetwork',
    kind: NETWORK_KIND,
    reconcile: async key => await reconcileNetwork(ctx, key),
    for: c.networks,
    watches: [
      watch(c.nodes, networkOfNode),
      ...watchChildren(c, childNetwork)
    ]
  }
}
