import { describe, expect, it } from '@jest/globals'
import { evaluateDivergence, majorityRoot } from './divergence.js'

const t = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s))

describe('majorityRoot', () => {
  it('takes the most common root among nodes that answered', () => {
    expect(majorityRoot([{ name: 'a', up: true, merkleRoot: 'x' }, { name: 'b', up: true, merkleRoot: 'x' }, { name: 'c', up: true, merkleRoot: 'y' }])).toBe('x')
    expect(majorityRoot([{ name: 'a', up: false, merkleRoot: 'x' }, { name: 'b', up: false, merkleRoot: 'x' }, { name: 'c', up: true, merkleRoot: 'y' }])).toBe('y')
  })
  it('has no majority on a tie or with no answers', () => {
    expect(majorityRoot([{ name: 'a', up: true, merkleRoot: 'x' }, { name: 'b', up: true, merkleRoot: 'y' }])).toBeUndefined()
    expect(majorityRoot([{ name: 'a', up: false }])).toBeUndefined()
  })
})

describe('evaluateDivergence', () => {
  const grace = 10_000
  it('a differing node is not diverged within the grace period, diverged after it', () => {
    const first = evaluateDivergence([{ name: 'a', up: true, merkleRoot: 'x' }, { name: 'b', up: true, merkleRoot: 'x' }, { name: 'c', up: true, merkleRoot: 'y' }], grace, t(0))
    expect(first.networkRoot).toBe('x')
    expect(first.nodes[2]).toEqual({ name: 'c', synced: false, diverged: false, divergingSince: t(0).toISOString() })
    expect(first.divergent).toEqual([])
    const obs = (since: string | undefined): Parameters<typeof evaluateDivergence>[0] => [{ name: 'a', up: true, merkleRoot: 'x' }, { name: 'b', up: true, merkleRoot: 'x' }, { name: 'c', up: true, merkleRoot: 'y', ...(since !== undefined ? { divergingSince: since } : {}) }]
    expect(evaluateDivergence(obs(first.nodes[2]?.divergingSince), grace, t(9)).divergent).toEqual([])
    const later = evaluateDivergence(obs(first.nodes[2]?.divergingSince), grace, t(10))
    expect(later.divergent).toEqual(['c'])
    expect(later.nodes[2]?.diverged).toBe(true)
  })
  it('heals as soon as the root matches again', () => {
    const r = evaluateDivergence([{ name: 'a', up: true, merkleRoot: 'x' }, { name: 'b', up: true, merkleRoot: 'x' }, { name: 'c', up: true, merkleRoot: 'x', divergingSince: t(0).toISOString(), diverged: true }], grace, t(30))
    expect(r.divergent).toEqual([])
    expect(r.nodes[2]).toEqual({ name: 'c', synced: true, diverged: false })
  })
  it('a node that does not answer keeps its previous verdict and is not synced', () => {
    const r = evaluateDivergence([{ name: 'a', up: true, merkleRoot: 'x' }, { name: 'b', up: true, merkleRoot: 'x' }, { name: 'c', up: false, divergingSince: t(0).toISOString(), diverged: true }], grace, t(30))
    expect(r.nodes[2]).toEqual({ name: 'c', synced: false, diverged: true, divergingSince: t(0).toISOString() })
  })
  it('judges nobody without consensus', () => {
    const r = evaluateDivergence([{ name: 'a', up: true, merkleRoot: 'x' }, { name: 'b', up: true, merkleRoot: 'y', divergingSince: t(0).toISOString(), diverged: true }], grace, t(60))
    expect(r.networkRoot).toBeUndefined()
    expect(r.divergent).toEqual([])
  })
})
