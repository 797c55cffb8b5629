import { describe, expect, it } from '@jest/globals'
import { bootstrapOf, parsePeersFile, peerIdOfMultiaddr, serializePeersFile } from './peers-file.js'

const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const B = '12D3KooWSiteB'

describe('peers file', () => {
  it('reads the peer ID of a multiaddr', () => {
    expect(peerIdOfMultiaddr(`/dns4/n1.ns.svc.cluster.local/tcp/9000/p2p/${A}`)).toBe(A)
    expect(peerIdOfMultiaddr(`/dns4/b.example/tcp/9000/p2p/${B}`)).toBe(B)
    expect(peerIdOfMultiaddr(`/ip4/10.0.0.1/tcp/9000/ipfs/${A}`)).toBe(A)
    expect(peerIdOfMultiaddr('/ip4/127.0.0.1/tcp/9000')).toBeUndefined()
    expect(peerIdOfMultiaddr('/dns4/b.example/tcp/9000')).toBeUndefined()
  })

  it('parses the peers file and rejects bad shapes', () => {
    expect(parsePeersFile(`{"bootstrap":["/ip4/1.2.3.4/tcp/1/p2p/${A}"],"lattice_nodes":["http://x/"]}`))
      .toEqual({ bootstrap: [`/ip4/1.2.3.4/tcp/1/p2p/${A}`], lattice_nodes: ['http://x/'], members: [] })
    expect(() => parsePeersFile('[]')).toThrow(/object/)
    expect(() => parsePeersFile('{"members": [1]}')).toThrow(/members/)
    expect(() => parsePeersFile('{')).toThrow()
  })

  it('reads back what the operator writes', () => {
    const file = { bootstrap: [`/dns4/n-0.ns.svc.cluster.local/tcp/9000/p2p/${A}`], lattice_nodes: ['http://n-0.ns.svc.cluster.local:8080'], members: [A] }
    const text = serializePeersFile(file)
    expect(text).toBe(`{\n  "bootstrap": [\n    "/dns4/n-0.ns.svc.cluster.local/tcp/9000/p2p/${A}"\n  ],\n  "lattice_nodes": [\n    "http://n-0.ns.svc.cluster.local:8080"\n  ],\n  "members": [\n    "${A}"\n  ]\n}\n`)
    expect(parsePeersFile(text)).toEqual(file)
  })

  it('names who dials whom in a large network: a node named in neighbours dials only those', () => {
    const C = '12D3KooWSiteC'
    const addr = (id: string): string => `/dns4/${id}.example/tcp/9000/p2p/${id}`
    const file = { bootstrap: [addr(A), addr(B), addr(C)], lattice_nodes: [], members: [A, B, C], neighbours: { [A]: [B], [B]: [A, C] } }
    expect(parsePeersFile(serializePeersFile(file))).toEqual(file)
    expect(bootstrapOf(file, A)).toEqual([addr(B)])
    expect(bootstrapOf(file, B)).toEqual([addr(A), addr(C)])
    // not named (yet): every entry
    expect(bootstrapOf(file, C)).toEqual(file.bootstrap)
    expect(() => parsePeersFile('{"neighbours": []}')).toThrow(/neighbours/)
    expect(() => parsePeersFile(`{"neighbours": {"${A}": [1]}}`)).toThrow(new RegExp(A))
  })
})
