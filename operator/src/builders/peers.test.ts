import { describe, expect, it } from '@jest/globals'
import { fixedIdentity, latticeNetwork, withSpec } from '../../../packages/testkit/src/fixtures/index.js'
import { addressingFor, buildPeersConfigMap, buildPeersFile, parsePeersConfigMap, peersFileFor, type PeerNode } from './peers.js'

const ext = { name: 'backup', multiaddr: '/dns4/backup.example.com/tcp/9000/p2p/12D3KooWSrKnMZUcSxK8G7wmBbXdU8nFEfWGhLu6H8xjn8LmCSJb', url: 'https://backup.example.com' }

async function nodes (): Promise<PeerNode[]> {
  return [
    { name: 'ledger-0', peerId: (await fixedIdentity(1)).peerId, podIP: '127.0.0.10' },
    { name: 'ledger-1', peerId: (await fixedIdentity(2)).peerId, podIP: '127.0.0.11' },
    { name: 'ledger-2', peerId: (await fixedIdentity(3)).peerId }
  ]
}

describe('peers file', () => {
  it('dns mode: per-node Service names, every node, external peers last', async () => {
    const ns = await nodes()
    const a = addressingFor(latticeNetwork(), { clusterDomain: 'cluster.local', addressMode: 'dns' })
    const f = buildPeersFile(ns, [ext], a)
    expect(f.bootstrap).toEqual([
      `/dns4/ledger-0.lattice-test.svc.cluster.local/tcp/9000/p2p/${ns[0]?.peerId}`,
      `/dns4/ledger-1.lattice-test.svc.cluster.local/tcp/9000/p2p/${ns[1]?.peerId}`,
      `/dns4/ledger-2.lattice-test.svc.cluster.local/tcp/9000/p2p/${ns[2]?.peerId}`,
      ext.multiaddr
    ])
    expect(f.lattice_nodes).toEqual([
      'http://ledger-0.lattice-test.svc.cluster.local:8080',
      'http://ledger-1.lattice-test.svc.cluster.local:8080',
      'http://ledger-2.lattice-test.svc.cluster.local:8080',
      'https://backup.example.com'
    ])
    expect(f.members).toEqual([ns[0]?.peerId, ns[1]?.peerId, ns[2]?.peerId, '12D3KooWSrKnMZUcSxK8G7wmBbXdU8nFEfWGhLu6H8xjn8LmCSJb'])
  })
  it('podIP mode: only nodes with a pod IP are addressable; the spec can override the operator default', async () => {
    const ns = await nodes()
    const a = addressingFor(latticeNetwork(withSpec({ addressMode: 'podIP', ports: { p2p: 9100, http: 8180 } })), { clusterDomain: 'cluster.local', addressMode: 'dns' })
    const f = buildPeersFile(ns, [], a)
    expect(f.bootstrap).toEqual([`/ip4/127.0.0.10/tcp/9100/p2p/${ns[0]?.peerId}`, `/ip4/127.0.0.11/tcp/9100/p2p/${ns[1]?.peerId}`])
    expect(f.lattice_nodes).toEqual(['http://127.0.0.10:8180', 'http://127.0.0.11:8180'])
    expect(f.members).toHaveLength(3)
  })
  it('a node without a peer ID yet has a URL but no multiaddr', () => {
    const a = addressingFor(latticeNetwork(), { clusterDomain: 'c.local', addressMode: 'dns' })
    const f = buildPeersFile([{ name: 'ledger-0' }], [], a)
    expect(f).toEqual({ bootstrap: [], lattice_nodes: ['http://ledger-0.lattice-test.svc.c.local:8080'], members: [] })
  })
  it('per-node view: every other node (bootstrap lists the other peer IDs), members unchanged', async () => {
    const ns = await nodes()
    const a = addressingFor(latticeNetwork(), { clusterDomain: 'cluster.local', addressMode: 'dns' })
    const f = buildPeersFile(ns, [ext], a)
    const self = ns[1] as PeerNode
    const mine = peersFileFor(f, self, a)
    expect(mine.bootstrap).toHaveLength(3)
    expect(mine.bootstrap.some(m => m.endsWith(`/p2p/${self.peerId ?? ''}`))).toBe(false)
    expect(mine.bootstrap.filter(m => m.endsWith(`/p2p/${ns[0]?.peerId ?? ''}`) || m.endsWith(`/p2p/${ns[2]?.peerId ?? ''}`))).toHaveLength(2)
    expect(mine.lattice_nodes).not.toContain('http://ledger-1.lattice-test.svc.cluster.local:8080')
    expect(mine.members).toEqual(f.members)
  })
  it('ConfigMap round-trips and matches the snapshot', async () => {
    const a = addressingFor(latticeNetwork(), { clusterDomain: 'cluster.local', addressMode: 'dns' })
    const f = buildPeersFile(await nodes(), [ext], a)
    const cm = buildPeersConfigMap(latticeNetwork(), f)
    expect(parsePeersConfigMap(cm)).toEqual(f)
    expect(parsePeersConfigMap({ data: { 'peers.json': '{bad' } })).toBeUndefined()
    expect(cm).toMatchSnapshot('peers-configmap')
  })
  it('past eight nodes each node dials at most eight neighbours (ring with chords), members and URLs stay complete', async () => {
    const many: PeerNode[] = await Promise.all(Array.from({ length: 30 }, async (_, i) => ({ name: `ledger-${i}`, peerId: (await fixedIdentity(i + 100)).peerId })))
    const a = addressingFor(latticeNetwork(), { clusterDomain: 'cluster.local', addressMode: 'dns' })
    const f = buildPeersFile(many, [ext], a)
    expect(f.bootstrap).toHaveLength(31)
    expect(f.members).toHaveLength(31)
    expect(f.lattice_nodes).toHaveLength(31)
    // the external peer is in the ring but has no entry: its own configuration says whom it dials
    expect(Object.keys(f.neighbours ?? {})).toEqual(many.map(n => n.peerId))
    const idOf = (addr: string): string => addr.split('/p2p/')[1] ?? ''
    for (const node of many) {
      const mine = peersFileFor(f, node, a)
      expect(mine.bootstrap.length).toBeGreaterThanOrEqual(2)
      expect(mine.bootstrap.length).toBeLessThanOrEqual(8)
      expect(mine.bootstrap.map(idOf)).not.toContain(node.peerId)
      // both ends agree on every connection
      for (const other of mine.bootstrap.map(idOf)) {
        if (other !== idOf(ext.multiaddr)) expect(f.neighbours?.[other]).toContain(node.peerId)
      }
      expect(mine.members).toEqual(f.members)
    }
    // ledger-0 is at position 0 of 31: offsets 1, 2, 6, 13 both ways
    expect(peersFileFor(f, many[0] as PeerNode, a).bootstrap.map(idOf)).toEqual([1, 2, 6, 13, 18, 25, 29, 30].map(j => idOf(f.bootstrap[j] ?? '')))
    // up to eight nodes: no map, every node dials every other (as before)
    expect(buildPeersFile(many.slice(0, 8), [], a).neighbours).toBeUndefined()
    expect(buildPeersFile(many.slice(0, 9), [], a).neighbours).toBeDefined()
  })
})
