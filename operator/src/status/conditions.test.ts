import { describe, expect, it } from '@jest/globals'
import { findCondition, setCondition, setConditions, transitions } from './conditions.js'

const t0 = new Date('2026-01-01T00:00:00.123Z')
const t1 = new Date('2026-01-01T00:05:00.000Z')

describe('conditions', () => {
  it('adds a condition with observedGeneration and a second-precision transition time', () => {
    const list = setCondition([], { type: 'Ready', status: 'False', reason: 'NodesNotReady', message: '0/3' }, 4, t0)
    expect(list).toEqual([{ type: 'Ready', status: 'False', observedGeneration: 4, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'NodesNotReady', message: '0/3' }])
  })
  it('keeps lastTransitionTime when only reason or message change, moves it when status changes', () => {
    let list = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 1, t0)
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, 2, t1)
    expect(findCondition(list, 'Ready')).toMatchObject({ reason: 'B', observedGeneration: 2, lastTransitionTime: '2026-01-01T00:00:00Z' })
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'C', message: 'c' }, 2, t1)
    expect(findCondition(list, 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:05:00Z')
  })
  it('keeps other conditions in place and reports transitions', () => {
    const before = setConditions([], [
      { type: 'Ready', status: 'False', reason: 'A', message: '' },
      { type: 'Diverged', status: 'False', reason: 'InSync', message: '' }
    ], 1, t0)
    const after = setCondition(before, { type: 'Diverged', status: 'True', reason: 'StateDiverged', message: 'x' }, 1, t1)
    expect(after.map(c => c.type)).toEqual(['Ready', 'Diverged'])
    expect(transitions(before, after).map(t => [t.condition.type, t.previous, t.condition.status])).toEqual([['Diverged', 'False', 'True']])
    expect(transitions(undefined, before)).toHaveLength(2)
  })
})
