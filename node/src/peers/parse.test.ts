import { describe, expect, it } from '@jest/globals'
import { mergePeers, parsePeersFile, peerIdOfMultiaddr } from './parse.js'

const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const C = '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'

describe('peers parse', () => {
  it('reads the peer ID of a multiaddr', () => {
    expect(peerIdOfMultiaddr(`/dns4/n1.ns.svc.cluster.local/tcp/9000/p2p/${A}`)).toBe(A)
    expect(peerIdOfMultiaddr('/ip4/127.0.0.1/tcp/9000')).toBeUndefined()
  })

  it('parses the peers file and rejects bad shapes', () => {
    expect(parsePeersFile(`{"bootstrap":["/ip4/1.2.3.4/tcp/1/p2p/${A}"],"lattice_nodes":["http://x/"]}`))
      .toEqual({ bootstrap: [`/ip4/1.2.3.4/tcp/1/p2p/${A}`], lattice_nodes: ['http://x/'], members: [] })
    expect(() => parsePeersFile('[]')).toThrow(/object/)
    expect(() => parsePeersFile('{"members": [1]}')).toThrow(/members/)
    expect(() => parsePeersFile('{')).toThrow()
  })

  it('merges sources, filters self and derives members from bootstrap addrs', () => {
    const snap = mergePeers({
      selfPeerId: A,
      selfUrls: ['http://a:8000/'],
      bootstrap: [`/ip4/10.0.0.2/tcp/9000/p2p/${B}`],
      latticeNodes: ['http://b:8000'],
      members: [],
      file: {
        bootstrap: [`/ip4/10.0.0.1/tcp/9000/p2p/${A}`, `/ip4/10.0.0.2/tcp/9000/p2p/${B}`],
        lattice_nodes: ['http://a:8000', 'http://b:8000/', 'http://c:8000'],
        members: [C]
      }
    })
    expect(snap.bootstrap).toEqual([`/ip4/10.0.0.2/tcp/9000/p2p/${B}`])
    expect(snap.latticeNodes).toEqual(['http://b:8000', 'http://c:8000'])
    expect(snap.members.sort()).toEqual([A, B, C].sort())
  })
})
