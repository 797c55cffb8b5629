import { describe, expect, it } from '@jest/globals'
import { evaluateDivergence } from './divergence.js'
import { observeExternalPeers, type PeerReport } from './external-peers.js'

const B = '12D3KooWSiteB'
const C = '12D3KooWSiteC'
const peers = [
  { name: 'site-b', multiaddr: `/dns4/b.example/tcp/9000/p2p/${B}` },
  { name: 'site-c', multiaddr: `/ip4/127.0.0.1/tcp/9001/p2p/${C}` }
]
const report = (peerId: string, root: string, at: string, diverged: boolean | null = false): PeerReport =>
  ({ peer_id: peerId, merkle_root: root, last_heartbeat: at, state_diverged: diverged })

describe('external peers', () => {
  it('takes each peer\'s root from the freshest current report; no current report means unknown', () => {
    const obs = observeExternalPeers(peers, [
      [report(B, 'old', '2026-01-01T00:00:01Z'), report(C, 'c', '2026-01-01T00:00:01Z', null)],
      [report(B, 'new', '2026-01-01T00:00:02Z')]
    ], new Map([['site-b', { divergingSince: '2026-01-01T00:00:00Z', diverged: false }]]))
    expect(obs).toEqual([
      { name: 'site-b', up: true, merkleRoot: 'new', divergingSince: '2026-01-01T00:00:00Z', diverged: false },
      { name: 'site-c', up: false, diverged: false }
    ])
  })

  it('three sites: the one site on another root is diverged after the grace period, the in-cluster node is not', () => {
    const t0 = new Date('2026-01-01T00:01:00Z')
    const external = observeExternalPeers(peers, [[report(B, 'forked', t0.toISOString(), true), report(C, 'good', t0.toISOString())]], new Map())
    const first = evaluateDivergence([{ name: 'aethel-0', up: true, merkleRoot: 'good' }, ...external], 15_000, t0)
    expect(first.networkRoot).toBe('good')
    expect(first.divergent).toEqual([])
    const since = first.nodes.find(n => n.name === 'site-b')?.divergingSince
    expect(since).toBe(t0.toISOString())
    const later = observeExternalPeers(peers, [[report(B, 'forked', t0.toISOString(), true), report(C, 'good', t0.toISOString())]], new Map([['site-b', { divergingSince: since ?? '' }]]))
    expect(evaluateDivergence([{ name: 'aethel-0', up: true, merkleRoot: 'good' }, ...later], 15_000, new Date(t0.getTime() + 15_000)).divergent).toEqual(['site-b'])
  })
})
