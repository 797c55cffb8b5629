import { describe, expect, it } from '@jest/globals'
import { OwnHeadGate, type ExpectedPeers } from './own-head.js'

const A = { transport: 'p2p', peerId: 'A' } as const
const C = { transport: 'p2p', peerId: 'C' } as const
const peers: ExpectedPeers = { p2p: ['A', 'C'], http: ['http://a', 'http://c'] }

describe('own-head gate', () => {
  it('opens at once when no peer is configured', () => {
    const g = new OwnHeadGate({ timeoutMs: 10_000, localHead: 0, now: 0 })
    expect(g.view().recovering).toBe(true)
    expect(g.evaluate(0, { p2p: [], http: [] })).toBe('opened')
    expect(g.view()).toMatchObject({ recovering: false, since: null, missing: 0 })
  })

  it('stays closed until every configured P2P peer answered and the ledger holds what they hold', () => {
    const g = new OwnHeadGate({ timeoutMs: 10_000, localHead: 0, now: 0 })
    g.peerReported(A, 30)
    g.peerSynced(A)
    expect(g.evaluate(100, peers)).toBeUndefined()
    expect(g.view()).toMatchObject({ recovering: true, ownHead: 0, peerHead: 30, missing: 30 })
    g.observeLocalHead(30)
    // C has not answered yet: it may hold more of this node's records than A
    expect(g.evaluate(200, peers)).toBeUndefined()
    g.peerReported(C, 36)
    g.peerSynced(C)
    expect(g.evaluate(300, peers)).toBeUndefined()
    expect(g.view()).toMatchObject({ missing: 6, peerHead: 36 })
    expect(g.view().reason).toMatch(/seq 36 .* only 30/)
    g.observeLocalHead(36)
    expect(g.evaluate(400, peers)).toBe('opened')
    expect(g.view()).toMatchObject({ recovering: false, ownHead: 36, missing: 0 })
  })

  it('accepts every HTTP node answering instead of every P2P peer, ignoring a URL that is this node', () => {
    const g = new OwnHeadGate({ timeoutMs: 10_000, localHead: 5, now: 0 })
    g.ignore({ transport: 'http', url: 'http://c' })
    g.peerReported({ transport: 'http', url: 'http://a' }, 5)
    g.peerSynced({ transport: 'http', url: 'http://a' })
    expect(g.evaluate(10, peers)).toBe('opened')
  })

  it('after the timeout opens with the peers that answered', () => {
    const g = new OwnHeadGate({ timeoutMs: 1000, localHead: 3, now: 0 })
    g.peerReported(A, 3)
    g.peerSynced(A)
    expect(g.evaluate(999, peers)).toBeUndefined()
    expect(g.evaluate(1000, peers)).toBe('opened')
  })

  it('lets a lone brand-new node write after the timeout', () => {
    const g = new OwnHeadGate({ timeoutMs: 1000, localHead: 0, now: 0 })
    expect(g.evaluate(500, peers)).toBeUndefined()
    expect(g.evaluate(1000, peers)).toBe('opened')
    expect(g.view().reason).toMatch(/lone node from seq 1/)
  })

  it('keeps a lone node whose marker shows lost records waiting for a peer, past the timeout', () => {
    const g = new OwnHeadGate({ timeoutMs: 1000, localHead: 0, markerSeq: 40, now: 0 })
    expect(g.view().missing).toBe(40)
    expect(g.evaluate(60_000, peers)).toBeUndefined()
    expect(g.view().recovering).toBe(true)
    expect(g.view().reason).toMatch(/acknowledged seq 40 .* holds 0/)
    // a peer answers: it had only 38 (the last two were never sent): the node goes on from 38
    g.peerReported(C, 38)
    g.peerSynced(C)
    g.observeLocalHead(38)
    expect(g.evaluate(60_100, peers)).toBe('opened')
  })

  it('closes again when a peer later shows more of its records than the ledger holds', () => {
    const g = new OwnHeadGate({ timeoutMs: 1000, localHead: 10, now: 0 })
    expect(g.evaluate(0, { p2p: [], http: [] })).toBe('opened')
    g.peerReported(A, 10)
    expect(g.evaluate(50, peers)).toBeUndefined()
    g.peerReported(C, 14)
    expect(g.evaluate(100, peers)).toBe('closed')
    expect(g.view()).toMatchObject({ recovering: true, since: 100, missing: 4 })
    g.observeLocalHead(14)
    g.peerSynced(C)
    expect(g.evaluate(200, peers)).toBe('opened')
  })

  it('ignores nonsense heads', () => {
    const g = new OwnHeadGate({ timeoutMs: 1000, localHead: 0, now: 0 })
    g.peerReported(A, -1)
    g.peerReported(A, 1.5)
    expect(g.view().peerHead).toBeNull()
  })
})
