/**
 * LatticeNetwork reconcile, level-triggered: read the network and its nodes from the caches, make
 * the children match (Secret, headless Service, PDB, NetworkPolicy, LatticeNodes, peers ConfigMap), roll out one
 * node at a time, then aggregate and write the status. Deletion needs no work here: every child has
 * an owner reference, so the garbage collector removes them (PVCs follow their node's reclaim policy,
 * handled by the node controller's finalizer).
 */
import { resolveNetworkSpec } from '../../api/defaults.js'
import { aggregateNetworkStatus } from '../../status/aggregate.js'
import { decideRollout } from '../../status/rollout.js'
import { splitKey } from '../../queue/key.js'
import { labelSelector, networkPodSelector } from '../../builders/names.js'
import type { OperatorContext } from '../context.js'
import type { ReconcileOutcome } from '../runner.js'
import { ensureHeadlessService, ensureNetworkPolicy, ensureNetworkSecret, ensurePdb, ensurePeersConfigMap } from './children.js'
import { ownedNodes, scaleNodes } from './scale.js'
import { observeNodes, publishNetworkMetrics, writeNetworkStatus, writeNodeDivergence } from './status.js'
import { updateNodeTemplate } from './rollout.js'
import { ensureTls } from './tls.js'

export async function reconcileNetwork (ctx: OperatorContext, key: string): Promise<ReconcileOutcome | undefined> {
  const { namespace, name } = splitKey(key)
  const net = ctx.caches.networks.get(name, namespace)
  if (net === undefined) {
    ctx.metrics.removeNetwork(namespace, name)
    ctx.externalPeerMemory.delete(`${namespace}/${name}`)
    return undefined
  }
  if (net.metadata.deletionTimestamp !== undefined) return undefined
  const spec = resolveNetworkSpec(net.spec)
  const now = ctx.now()

  await ensureNetworkSecret(ctx, net)
  await ensureHeadlessService(ctx, net)
  await ensurePdb(ctx, net)
  await ensureNetworkPolicy(ctx, net)

  let nodes = ownedNodes(ctx, net)
  // before scaling: a new node's pod mounts its certificate Secret
  const tls = await ensureTls(ctx, net, nodes)
  if (!spec.paused) {
    const scaled = await scaleNodes(ctx, net, nodes)
    if (scaled.created.length > 0 || scaled.deleted.length > 0) {
      const gone = new Set(scaled.deleted)
      nodes = nodes.filter(n => !gone.has(n.metadata.name ?? ''))
    }
  }
  // Peers: nodes that stay (not being deleted, within replicas once scaled).
  const staying = nodes.filter(n => n.metadata.deletionTimestamp === undefined && (n.spec.ordinal ?? 0) < spec.replicas)
  await ensurePeersConfigMap(ctx, net, spec.paused ? nodes : staying)

  const obs = observeNodes(ctx, net, nodes)
  await writeNodeDivergence(ctx, nodes, obs.views)

  let rolloutNode = net.status?.rolloutNode
  let rolloutStartTime = net.status?.rolloutStartTime
  const decision = decideRollout({
    nodes: obs.views.filter(v => v.ordinal < spec.replicas),
    paused: spec.paused,
    diverged: obs.divergence.divergent.length > 0,
    ...(rolloutNode !== undefined ? { rolloutNode } : {}),
    ...(rolloutStartTime !== undefined ? { rolloutStartTime } : {}),
    progressDeadlineMs: spec.rollout.progressDeadlineSeconds * 1000,
    now
  })
  if (decision.kind === 'update') {
    const node = nodes.find(n => n.metadata.name === decision.node)
    if (node !== undefined) {
      await updateNodeTemplate(ctx, net, node)
      rolloutNode = decision.node
      rolloutStartTime = now.toISOString()
    }
  } else if (decision.kind === 'complete') {
    rolloutNode = undefined
    rolloutStartTime = undefined
  }

  const status = aggregateNetworkStatus({
    ...(net.metadata.generation !== undefined ? { generation: net.metadata.generation } : {}),
    desiredReplicas: spec.replicas,
    nodes: obs.views,
    ...(obs.divergence.networkRoot !== undefined ? { networkRoot: obs.divergence.networkRoot } : {}),
    rollout: decision,
    ...(rolloutNode !== undefined ? { rolloutNode } : {}),
    ...(rolloutStartTime !== undefined ? { rolloutStartTime } : {}),
    currentPodSpecHash: obs.currentTemplateHash,
    externalDiverged: obs.externalPeers.filter(p => p.diverged).map(p => p.name),
    selector: labelSelector(networkPodSelector(net.metadata.name ?? '')),
    ...(net.status !== undefined ? { previous: net.status } : {}),
    now
  })
  await writeNetworkStatus(ctx, net, status)
  publishNetworkMetrics(ctx, net, status, obs.externalPeers)
  const timed = requeueFor(ctx, [...obs.views, ...obs.externalPeers].map(v => v.divergingSince !== undefined && !v.diverged ? v.divergingSince : undefined), decision.kind === 'waiting' || decision.kind === 'update' ? rolloutStartTime : undefined, spec.rollout.progressDeadlineSeconds * 1000, now)
  const waits = [timed?.requeueAfterMs, tls.requeueAfterMs].filter((w): w is number => w !== undefined)
  // External peers change no object the operator watches: look at what the nodes report every probe interval.
  if (spec.externalPeers.length > 0) waits.push(ctx.config.probeIntervalMs)
  return waits.length > 0 ? { requeueAfterMs: Math.min(...waits) } : undefined
}

/** Timed transitions nobody will send an event for: the divergence grace period and the rollout deadline. */
function requeueFor (ctx: OperatorContext, divergingSince: Array<string | undefined>, rolloutStart: string | undefined, deadlineMs: number, now: Date): ReconcileOutcome | undefined {
  const waits: number[] = []
  for (const since of divergingSince) if (since !== undefined) waits.push(Date.parse(since) + ctx.config.divergenceGraceMs - now.getTime())
  if (rolloutStart !== undefined) waits.push(Date.parse(rolloutStart) + deadlineMs - now.getTime())
  if (waits.length === 0) return undefined
  return { requeueAfterMs: Math.max(100, Math.min(...waits) + 50) }
}
