/** Network status from its nodes' views, the divergence verdict and the rollout decision. Pure. */
import type { ConditionInput } from './conditions.js'
import { setConditions } from './conditions.js'
import type { LatticeNetworkStatus, NetworkNodeStatus } from '../api/types.js'
import type { NodeView } from './node-view.js'
import type { RolloutDecision } from './rollout.js'

export interface AggregateInput {
  generation?: number
  desiredReplicas: number
  nodes: readonly NodeView[]
  networkRoot?: string
  rollout: RolloutDecision
  /** Rollout bookkeeping to persist (after this reconcile's action). */
  rolloutNode?: string
  rolloutStartTime?: string
  currentPodSpecHash?: string
  /** External peers (spec.externalPeers) judged diverged; they count as divergent nodes. */
  externalDiverged?: readonly string[]
  /** Label selector of the node pods, string form (status.selector, for the scale subresource). */
  selector?: string
  previous?: LatticeNetworkStatus
  now: Date
}

export const shortRoot = (root: string | undefined): string | undefined => root === undefined ? undefined : root.slice(0, 12)

function commonMode (nodes: readonly NodeView[]): string | undefined {
  const modes = new Set(nodes.filter(n => n.up && n.mode !== undefined).map(n => n.mode as string))
  if (modes.size === 0) return undefined
  return modes.size === 1 ? [...modes][0] : 'Mixed'
}

function progressing (r: RolloutDecision, scaling: boolean): ConditionInput {
  switch (r.kind) {
    case 'paused': return { type: 'Progressing', status: 'Unknown', reason: 'Paused', message: 'spec.paused is true: no scaling, no rollout' }
    case 'stalled': return { type: 'Progressing', status: 'False', reason: 'RolloutStalled', message: `node ${r.node} did not become Ready and Synced within the progress deadline (${Math.round(r.elapsedMs / 1000)}s)` }
    case 'blocked': return { type: 'Progressing', status: 'True', reason: 'RolloutBlockedByDivergence', message: `rollout waits: the network is diverged; ${r.node} is next` }
    case 'update': return { type: 'Progressing', status: 'True', reason: 'RollingOut', message: `replacing node ${r.node}` }
    case 'waiting': return { type: 'Progressing', status: 'True', reason: scaling ? 'Scaling' : 'RollingOut', message: `waiting for node ${r.node} to be Ready and Synced` }
    case 'complete': return scaling
      ? { type: 'Progressing', status: 'True', reason: 'Scaling', message: 'creating or removing nodes' }
      : { type: 'Progressing', status: 'True', reason: 'RolloutComplete', message: 'every node runs the current spec' }
  }
}

export function aggregateNetworkStatus (input: AggregateInput): LatticeNetworkStatus {
  const nodes = input.nodes
  const ready = nodes.filter(n => n.ready).length
  const synced = nodes.filter(n => n.synced).length
  const updated = nodes.filter(n => n.templateCurrent && n.podCurrent).length
  const divergent = [...nodes.filter(n => n.diverged).map(n => n.name), ...(input.externalDiverged ?? [])]
  const up = nodes.filter(n => n.up)
  const peerCounts = up.map(n => n.peerCount).filter((c): c is number => c !== undefined)
  const mode = commonMode(nodes)
  const scaling = nodes.length !== input.desiredReplicas
  const lostP2P = up.filter(n => n.mode !== undefined && n.mode !== 'P2P').map(n => n.name)
  const down = nodes.filter(n => !n.up || !n.ready).map(n => n.name)
  // Nodes whose pod cannot start say why in the network's conditions (e.g. a missing image).
  const stuck = nodes.filter(n => !n.ready && n.stuck !== undefined).map(n => `${n.name}: ${n.stuck?.reason ?? ''} (${n.stuck?.message ?? ''})`)
  const why = stuck.length > 0 ? `; ${stuck.join('; ')}` : ''

  const conditions: ConditionInput[] = [
    ready === input.desiredReplicas && nodes.length === input.desiredReplicas
      ? { type: 'Ready', status: 'True', reason: 'AllNodesReady', message: `${ready}/${input.desiredReplicas} nodes ready` }
      : { type: 'Ready', status: 'False', reason: 'NodesNotReady', message: `${ready}/${input.desiredReplicas} nodes ready${why}` },
    progressing(input.rollout, scaling),
    down.length > 0
      ? { type: 'Degraded', status: 'True', reason: 'NodesUnavailable', message: `not ready or not answering: ${down.join(', ')}${why}` }
      : lostP2P.length > 0
        ? { type: 'Degraded', status: 'True', reason: 'P2PUnavailable', message: `not syncing over P2P: ${lostP2P.join(', ')}` }
        : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'every node is ready and gossiping' },
    divergent.length > 0
      ? { type: 'Diverged', status: 'True', reason: 'StateDiverged', message: `Merkle root differs from the network's: ${divergent.join(', ')}` }
      : input.networkRoot === undefined && up.length > 0
        ? { type: 'Diverged', status: 'Unknown', reason: 'NoConsensus', message: 'no majority Merkle root among the nodes that answered' }
        : { type: 'Diverged', status: 'False', reason: 'InSync', message: 'nodes agree on the Merkle root' }
  ]

  const nodeStatus = nodes.map((n): NetworkNodeStatus => ({
    name: n.name,
    ...(n.peerId !== undefined ? { peerId: n.peerId } : {}),
    ...(n.podIP !== undefined ? { podIP: n.podIP } : {}),
    up: n.up,
    ready: n.ready,
    synced: n.synced,
    diverged: n.diverged,
    ...(n.divergingSince !== undefined ? { divergingSince: n.divergingSince } : {}),
    ...(n.mode !== undefined ? { mode: n.mode } : {}),
    ...(n.peerCount !== undefined ? { peerCount: n.peerCount } : {}),
    ...(n.merkleRoot !== undefined ? { merkleRoot: n.merkleRoot } : {}),
    ...(n.podSpecHash !== undefined ? { podSpecHash: n.podSpecHash } : {})
  }))

  return {
    ...(input.generation !== undefined ? { observedGeneration: input.generation } : {}),
    replicas: nodes.length,
    readyReplicas: ready,
    syncedReplicas: synced,
    updatedReplicas: updated,
    ready: `${ready}/${input.desiredReplicas}`,
    ...(peerCounts.length > 0 ? { peers: Math.min(...peerCounts) } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...(input.networkRoot !== undefined ? { merkleRoot: input.networkRoot, merkleRootShort: shortRoot(input.networkRoot) } : {}),
    ...(input.selector !== undefined ? { selector: input.selector } : {}),
    divergentNodes: divergent,
    divergentNodeCount: divergent.length,
    ...(input.currentPodSpecHash !== undefined ? { currentPodSpecHash: input.currentPodSpecHash } : {}),
    ...(input.rolloutNode !== undefined ? { rolloutNode: input.rolloutNode } : {}),
    ...(input.rolloutStartTime !== undefined ? { rolloutStartTime: input.rolloutStartTime } : {}),
    nodes: nodeStatus,
    conditions: setConditions(input.previous?.conditions, conditions, input.generation, input.now)
  }
}
