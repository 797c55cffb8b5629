/**
 * Rollout decision: which node gets the new template next. One node at a time, and only when every
 * node already on the new template is settled (pod current, Ready, root equal to the network's).
 * Outdated nodes that are unhealthy go first (the new spec may be their fix), then the highest
 * ordinal first (as a StatefulSet). Never while the network is diverged: replacing a pod could
 * remove the only copy of records the others lack. Pure: the clock is a parameter.
 */
import { settled, type NodeView } from './node-view.js'

export type RolloutDecision =
  | { kind: 'complete' }
  | { kind: 'paused' }
  | { kind: 'update', node: string }
  | { kind: 'waiting', node: string, elapsedMs?: number }
  | { kind: 'stalled', node: string, elapsedMs: number }
  | { kind: 'blocked', reason: 'Diverged', node: string }

export interface RolloutInput {
  nodes: readonly NodeView[]
  paused: boolean
  diverged: boolean
  /** The node the rollout last updated and when (from status). */
  rolloutNode?: string
  rolloutStartTime?: string
  progressDeadlineMs: number
  now: Date
}

export function decideRollout (input: RolloutInput): RolloutDecision {
  if (input.paused) return { kind: 'paused' }
  const tracked = input.rolloutNode !== undefined ? input.nodes.find(n => n.name === input.rolloutNode) : undefined
  if (tracked !== undefined && tracked.templateCurrent && !settled(tracked)) {
    const started = input.rolloutStartTime !== undefined ? Date.parse(input.rolloutStartTime) : NaN
    const elapsedMs = Number.isNaN(started) ? 0 : input.now.getTime() - started
    if (elapsedMs >= input.progressDeadlineMs) return { kind: 'stalled', node: tracked.name, elapsedMs }
    return { kind: 'waiting', node: tracked.name, elapsedMs }
  }
  const outdated = input.nodes.filter(n => !n.templateCurrent)
  // Another node on the new template that is not settled yet (e.g. just created by a scale-up).
  const unsettled = input.nodes.find(n => n.templateCurrent && !settled(n))
  if (outdated.length === 0) return unsettled !== undefined ? { kind: 'waiting', node: unsettled.name } : { kind: 'complete' }
  if (unsettled !== undefined) return { kind: 'waiting', node: unsettled.name }
  const next = [...outdated].sort((a, b) => {
    const ha = settled(a) ? 1 : 0
    const hb = settled(b) ? 1 : 0
    return ha !== hb ? ha - hb : b.ordinal - a.ordinal
  })[0] as NodeView
  if (input.diverged) return { kind: 'blocked', reason: 'Diverged', node: next.name }
  return { kind: 'update', node: next.name }
}
