import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSilentLogger } from '../../../packages/log/src/index.js'
import { createPeerDirectory } from './directory.js'
import type { PeerDirectory, PeerSnapshot } from './interface.js'

const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
const C = '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'

describe('peer directory', () => {
  const dirs: string[] = []
  const running: PeerDirectory[] = []
  afterAll(async () => {
    for (const d of running) await d.stop()
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('re-reads the peers file when it is replaced and emits the change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peers-'))
    dirs.push(dir)
    const file = join(dir, 'peers.json')
    await writeFile(file, JSON.stringify({ bootstrap: [`/ip4/127.0.0.1/tcp/1/p2p/${A}`, `/ip4/127.0.0.1/tcp/2/p2p/${B}`], lattice_nodes: [], members: [] }))
    const peers = await createPeerDirectory({ selfPeerId: A, bootstrap: [], latticeNodes: [], members: [], peersFile: file, pollIntervalMs: 50 }, { logger: createSilentLogger() })
    running.push(peers)
    expect(peers.bootstrap()).toEqual([`/ip4/127.0.0.1/tcp/2/p2p/${B}`])
    expect(peers.isMember(B)).toBe(true)
    expect(peers.isMember(C)).toBe(false)

    const changed = new Promise<PeerSnapshot>((resolve, reject) => {
      const t = setTimeout(() => { reject(new Error('no change event within 10 s')) }, 10_000)
      peers.on('change', s => { clearTimeout(t); resolve(s) })
    })
    // replace atomically like a ConfigMap update (new inode)
    const tmp = join(dir, 'peers.json.tmp')
    await writeFile(tmp, JSON.stringify({ bootstrap: [`/ip4/127.0.0.1/tcp/2/p2p/${B}`, `/ip4/127.0.0.1/tcp/3/p2p/${C}`], lattice_nodes: ['http://127.0.0.1:9/'], members: [] }))
    await rename(tmp, file)
    const snap = await changed
    expect(snap.bootstrap).toHaveLength(2)
    expect(snap.latticeNodes).toEqual(['http://127.0.0.1:9'])
    expect(peers.isMember(C)).toBe(true)
  })

  it('keeps the previous view when the file becomes invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peers-'))
    dirs.push(dir)
    const file = join(dir, 'peers.json')
    await writeFile(file, JSON.stringify({ members: [C] }))
    const peers = await createPeerDirectory({ selfPeerId: A, bootstrap: [], latticeNodes: [], members: [B], peersFile: file }, { logger: createSilentLogger() })
    running.push(peers)
    expect(peers.isMember(C)).toBe(true)
    await writeFile(file, '{not json')
    const snap = await peers.reload()
    expect(snap.members).toContain(C)
    expect(peers.isMember(B)).toBe(true)
    expect(peers.isMember(A)).toBe(true)
  })
})
