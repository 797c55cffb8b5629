import { describe, expect, it } from '@jest/globals'
import { mergePeers } from './parse.js'

const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const C = '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'

describe('peers parse', () => {
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

  it('dials only its neighbours when the file names them, and still takes every node as a member', () => {
    const addr = (id: string, host: number): string => `/ip4/10.0.0.${host}/tcp/9000/p2p/${id}`
    const snap = mergePeers({
      selfPeerId: A,
      selfUrls: [],
      bootstrap: [],
      latticeNodes: [],
      members: [],
      file: { bootstrap: [addr(A, 1), addr(B, 2), addr(C, 3)], lattice_nodes: [], members: [], neighbours: { [A]: [C], [C]: [A] } }
    })
    expect(snap.bootstrap).toEqual([addr(C, 3)])
    expect(snap.members.sort()).toEqual([A, B, C].sort())
  })
})
