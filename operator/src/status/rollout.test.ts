import { describe, expect, it } from '@jest/globals'
import type { NodeView } from './node-view.js'
import { decideRollout, type RolloutInput } from './rollout.js'

const now = new Date('2026-01-01T00:10:00Z')
const ok = (name: string, ordinal: number, extra: Partial<NodeView> = {}): NodeView => ({ name, ordinal, up: true, ready: true, templateCurrent: true, podCurrent: true, synced: true, diverged: false, ...extra })
const base = (nodes: NodeView[], extra: Partial<RolloutInput> = {}): RolloutInput => ({ nodes, paused: false, diverged: false, progressDeadlineMs: 600_000, now, ...extra })

describe('decideRollout', () => {
  it('is complete when every node is current and settled', () => {
    expect(decideRollout(base([ok('n-0', 0), ok('n-1', 1), ok('n-2', 2)]))).toEqual({ kind: 'complete' })
  })
  it('updates the highest ordinal first, one at a time', () => {
    const nodes = [ok('n-0', 0, { templateCurrent: false }), ok('n-1', 1, { templateCurrent: false }), ok('n-2', 2, { templateCurrent: false })]
    expect(decideRollout(base(nodes))).toEqual({ kind: 'update', node: 'n-2' })
  })
  it('waits for the updated node to be Ready and Synced before the next', () => {
    const nodes = [ok('n-0', 0, { templateCurrent: false }), ok('n-1', 1, { templateCurrent: false }), ok('n-2', 2, { ready: false, podCurrent: false })]
    expect(decideRollout(base(nodes, { rolloutNode: 'n-2', rolloutStartTime: '2026-01-01T00:09:00Z' }))).toEqual({ kind: 'waiting', node: 'n-2', elapsedMs: 60_000 })
    const notSynced = [ok('n-0', 0, { templateCurrent: false }), ok('n-1', 1, { templateCurrent: false }), ok('n-2', 2, { synced: false })]
    expect(decideRollout(base(notSynced, { rolloutNode: 'n-2', rolloutStartTime: '2026-01-01T00:09:00Z' })).kind).toBe('waiting')
    const done = [ok('n-0', 0, { templateCurrent: false }), ok('n-1', 1, { templateCurrent: false }), ok('n-2', 2)]
    expect(decideRollout(base(done, { rolloutNode: 'n-2', rolloutStartTime: '2026-01-01T00:09:00Z' }))).toEqual({ kind: 'update', node: 'n-1' })
  })
  it('stalls at the progress deadline', () => {
    const nodes = [ok('n-0', 0, { templateCurrent: false }), ok('n-1', 1, { templateCurrent: false }), ok('n-2', 2, { ready: false })]
    const r = decideRollout(base(nodes, { rolloutNode: 'n-2', rolloutStartTime: '2026-01-01T00:00:00Z' }))
    expect(r).toEqual({ kind: 'stalled', node: 'n-2', elapsedMs: 600_000 })
    expect(decideRollout(base(nodes, { rolloutNode: 'n-2', rolloutStartTime: '2026-01-01T00:00:01Z' })).kind).toBe('waiting')
  })
  it('a stalled node gets the next template (e.g. a revert) when the spec changes again', () => {
    const nodes = [ok('n-0', 0, { templateCurrent: false }), ok('n-1', 1, { templateCurrent: false }), ok('n-2', 2, { templateCurrent: false, ready: false })]
    expect(decideRollout(base(nodes, { rolloutNode: 'n-2', rolloutStartTime: '2026-01-01T00:00:00Z' }))).toEqual({ kind: 'update', node: 'n-2' })
  })
  it('updates unhealthy outdated nodes before healthy ones', () => {
    const nodes = [ok('n-0', 0, { templateCurrent: false, ready: false }), ok('n-1', 1, { templateCurrent: false }), ok('n-2', 2, { templateCurrent: false })]
    expect(decideRollout(base(nodes))).toEqual({ kind: 'update', node: 'n-0' })
  })
  it('never replaces a pod while the network is diverged', () => {
    const nodes = [ok('n-0', 0, { templateCurrent: false }), ok('n-1', 1)]
    expect(decideRollout(base(nodes, { diverged: true }))).toEqual({ kind: 'blocked', reason: 'Diverged', node: 'n-0' })
  })
  it('waits for new (scaled-up) nodes before updating others, and respects pause', () => {
    const nodes = [ok('n-0', 0, { templateCurrent: false }), ok('n-1', 1, { ready: false, podCurrent: false })]
    expect(decideRollout(base(nodes))).toEqual({ kind: 'waiting', node: 'n-1' })
    expect(decideRollout(base(nodes, { paused: true }))).toEqual({ kind: 'paused' })
  })
})
