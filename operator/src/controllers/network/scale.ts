/** Create missing LatticeNodes (ordinals 0..replicas-1) and delete those beyond, highest first. */
import type { LatticeNetwork, LatticeNode } from '../../api/types.js'
import { resolveNetworkSpec } from '../../api/defaults.js'
import { LABEL_NETWORK } from '../../api/constants.js'
import { buildLatticeNode } from '../../builders/lattice-node.js'
import { nodeName, ordinalOf } from '../../builders/names.js'
import { isAlreadyExists } from '../../kube/errors.js'
import type { OperatorContext } from '../context.js'

/** The network's LatticeNodes from the cache: labelled with it and controlled by it. */
export function ownedNodes (ctx: OperatorContext, net: LatticeNetwork): LatticeNode[] {
  const name = net.metadata.name ?? ''
  return ctx.caches.nodes.list(net.metadata.namespace)
    .filter(n => n.metadata.labels?.[LABEL_NETWORK] === name && n.metadata.ownerReferences?.some(r => r.uid === net.metadata.uid && r.controller === true) === true)
    .sort((a, b) => (ordinalOf(name, a.metadata.name ?? '') ?? 0) - (ordinalOf(name, b.metadata.name ?? '') ?? 0))
}

export interface ScaleResult { created: string[], deleted: string[] }

export async function scaleNodes (ctx: OperatorContext, net: LatticeNetwork, nodes: readonly LatticeNode[]): Promise<ScaleResult> {
  const name = net.metadata.name ?? ''
  const replicas = resolveNetworkSpec(net.spec).replicas
  const have = new Set(nodes.map(n => n.metadata.name))
  const created: string[] = []
  const deleted: string[] = []
  for (let i = 0; i < replicas; i++) {
    if (have.has(nodeName(name, i))) continue
    try {
      await ctx.client.create(buildLatticeNode(net, i))
      created.push(nodeName(name, i))
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
    }
  }
  const extra = nodes
    .filter(n => (ordinalOf(name, n.metadata.name ?? '') ?? -1) >= replicas && n.metadata.deletionTimestamp === undefined)
    .reverse()
  for (const n of extra) {
    if (await ctx.client.delete({ apiVersion: n.apiVersion, kind: n.kind, namespace: n.metadata.namespace ?? '', name: n.metadata.name ?? '' })) deleted.push(n.metadata.name ?? '')
  }
  if (created.length > 0) ctx.events.event(net, 'Normal', 'ScaledUp', `created LatticeNodes ${created.join(', ')}`)
  if (deleted.length > 0) ctx.events.event(net, 'Normal', 'ScaledDown', `deleted LatticeNodes ${deleted.join(', ')}`)
  return { created, deleted }
}
