/** Network status: node views, divergence, aggregation; writes only what changed. */
import type { LatticeNetwork, LatticeNetworkStatus, LatticeNode } from '../../api/types.js'
import { resolveNetworkSpec } from '../../api/defaults.js'
import { nodeHasTemplate, nodeTemplate, templateHash } from '../../builders/lattice-node.js'
import { ordinalOf } from '../../builders/names.js'
import { desiredPodSpecHash } from '../../builders/pod.js'
import { canonicalJson } from '../../../../packages/contracts/src/canonical-json.js'
import { evaluateDivergence, type DivergenceResult, type NodeDivergence } from '../../status/divergence.js'
import { observeExternalPeers, type ExternalPeerMemory, type PeerReport } from '../../status/external-peers.js'
import { currentPod } from '../node/pod.js'
import { probeTarget, STUCK_WAITING_REASONS } from '../node/status.js'
import type { NodeView } from '../../status/node-view.js'
import { transitions } from '../../status/conditions.js'
import { refOf } from '../../kube/client.js'
import type { OperatorContext } from '../context.js'

export interface NetworkObservation {
  views: NodeView[]
  divergence: DivergenceResult
  currentTemplateHash: string
  /** Verdicts about spec.externalPeers, by name. */
  externalPeers: NodeDivergence[]
}

/** What the in-cluster nodes' last probes say about their peers (for the external peers' roots). */
function peerReports (ctx: OperatorContext, nodes: readonly LatticeNode[]): PeerReport[][] {
  return nodes.map(n => {
    const target = probeTarget(n, currentPod(ctx, n))
    const last = target !== undefined ? ctx.prober.last(target.key) : undefined
    return last?.up === true ? last.status?.peers ?? [] : []
  })
}

export function observeNodes (ctx: OperatorContext, net: LatticeNetwork, nodes: readonly LatticeNode[]): NetworkObservation {
  const name = net.metadata.name ?? ''
  const previous = new Map((net.status?.nodes ?? []).map(n => [n.name, n]))
  const live = nodes.filter(n => n.metadata.deletionTimestamp === undefined)
  const memoryKey = `${net.metadata.namespace ?? ''}/${name}`
  const memory = ctx.externalPeerMemory.get(memoryKey) ?? new Map<string, ExternalPeerMemory>()
  const externalPeers = resolveNetworkSpec(net.spec).externalPeers
  const external = observeExternalPeers(externalPeers, peerReports(ctx, live), memory)
  const divergence = evaluateDivergence([...live.map(n => {
    const prev = previous.get(n.metadata.name ?? '')
    const since = n.status?.divergingSince ?? prev?.divergingSince
    return {
      name: n.metadata.name ?? '',
      up: n.status?.up === true,
      ...(n.status?.merkleRoot !== undefined ? { merkleRoot: n.status.merkleRoot } : {}),
      ...(since !== undefined ? { divergingSince: since } : {}),
      diverged: n.status?.diverged === true || prev?.diverged === true
    }
  }), ...external], ctx.config.divergenceGraceMs, ctx.now())
  const externalNames = new Set(externalPeers.map(p => p.name))
  const externalVerdicts = divergence.nodes.filter(d => externalNames.has(d.name))
  ctx.externalPeerMemory.set(memoryKey, new Map(externalVerdicts.map(d => [d.name, { diverged: d.diverged, ...(d.divergingSince !== undefined ? { divergingSince: d.divergingSince } : {}) }])))
  const verdicts = new Map(divergence.nodes.map(d => [d.name, d]))
  const currentTemplateHash = templateHash(nodeTemplate(net))
  const views = live.map((n): NodeView => {
    const v = verdicts.get(n.metadata.name ?? '')
    const s = n.status ?? {}
    const readyCondition = s.conditions?.find(c => c.type === 'Ready')
    const stuck = readyCondition?.status === 'False' && STUCK_WAITING_REASONS.has(readyCondition.reason ?? '') ? { reason: readyCondition.reason ?? '', message: readyCondition.message ?? '' } : undefined
    return {
      name: n.metadata.name ?? '',
      ordinal: ordinalOf(name, n.metadata.name ?? '') ?? n.spec.ordinal ?? 0,
      ...(s.peerId !== undefined ? { peerId: s.peerId } : {}),
      ...(s.podIP !== undefined ? { podIP: s.podIP } : {}),
      up: s.up === true,
      ready: s.ready === true,
      ...(stuck !== undefined ? { stuck } : {}),
      ...(s.mode !== undefined ? { mode: s.mode } : {}),
      ...(s.peerCount !== undefined ? { peerCount: s.peerCount } : {}),
      ...(s.merkleRoot !== undefined ? { merkleRoot: s.merkleRoot } : {}),
      ...(s.podSpecHash !== undefined ? { podSpecHash: s.podSpecHash } : {}),
      templateCurrent: nodeHasTemplate(n, currentTemplateHash),
      podCurrent: s.podSpecHash !== undefined && s.podSpecHash === desiredPodSpecHash(n),
      synced: v?.synced ?? false,
      diverged: v?.diverged ?? false,
      ...(v?.divergingSince !== undefined ? { divergingSince: v.divergingSince } : {})
    }
  })
  return { views, divergence, currentTemplateHash, externalPeers: externalVerdicts }
}

/** Write each node's divergence verdict into its status (the node controller turns it into a condition). */
export async function writeNodeDivergence (ctx: OperatorContext, nodes: readonly LatticeNode[], views: readonly NodeView[]): Promise<void> {
  const byName = new Map(views.map(v => [v.name, v]))
  for (const n of nodes) {
    const v = byName.get(n.metadata.name ?? '')
    if (v === undefined) continue
    const diverged = v.diverged
    const since = v.divergingSince
    if ((n.status?.diverged === true) === diverged && n.status?.divergingSince === since) continue
    await ctx.client.patchStatus(refOf(n), { diverged, divergingSince: since ?? null })
    if (diverged && n.status?.diverged !== true) ctx.events.event(n, 'Warning', 'Diverged', `Merkle root ${n.status?.merkleRoot ?? '?'} differs from the network's beyond the grace period`)
    if (!diverged && n.status?.diverged === true) ctx.events.event(n, 'Normal', 'Converged', 'Merkle root equals the network\'s again')
  }
}

/** Patch the network status when it changed; Events for condition transitions. */
export async function writeNetworkStatus (ctx: OperatorContext, net: LatticeNetwork, next: LatticeNetworkStatus): Promise<boolean> {
  const prev = net.status ?? {}
  if (canonicalJson(prev) === canonicalJson(next)) return false
  const patch: Record<string, unknown> = { ...next }
  for (const k of Object.keys(prev)) if (!(k in next)) patch[k] = null
  await ctx.client.patchStatus(refOf(net), patch)
  for (const t of transitions(prev.conditions, next.conditions ?? [])) {
    if (t.previous === undefined && t.condition.status !== 'True') continue
    const warn = (t.condition.type === 'Ready' && t.condition.status === 'False') || (t.condition.type !== 'Ready' && t.condition.type !== 'Progressing' && t.condition.status === 'True') || t.condition.reason === 'RolloutStalled'
    ctx.events.event(net, warn ? 'Warning' : 'Normal', t.condition.reason, `${t.condition.type}=${t.condition.status}: ${t.condition.message}`)
  }
  return true
}

export function publishNetworkMetrics (ctx: OperatorContext, net: LatticeNetwork, status: LatticeNetworkStatus, externalPeers: readonly NodeDivergence[]): void {
  const ns = net.metadata.namespace ?? ''
  const name = net.metadata.name ?? ''
  ctx.metrics.setNetwork(ns, name, { divergent: status.divergentNodeCount ?? 0, ready: status.readyReplicas ?? 0, desired: resolveNetworkSpec(net.spec).replicas })
  for (const n of status.nodes ?? []) ctx.metrics.setNodeDiverged(ns, name, n.name, n.diverged === true)
  ctx.metrics.setExternalPeersDiverged(ns, name, new Map(externalPeers.map(p => [p.name, p.diverged])))
}
