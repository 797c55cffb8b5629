/**
 * Acceptance: the peers file (AETHEL_PEERS_FILE, written by the operator) is re-read when it changes.
 * A node that starts knowing nobody joins the lattice once the file lists it, and its records are
 * accepted by the others because the file also makes it a member.
 */
import { disposeDir, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import { rename, writeFile } from 'node:fs/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type Lattice, type NodeProcess, startConnectedLattice, startNodeProcess } from '../../packages/testkit/src/node/index.js'
import { converged, SHORT_TIMINGS, status, write } from './helpers.js'
import { FLOOD_MAX_NODES } from '../../packages/contracts/src/p2p-topology.js'

// info: the topology test reads the nodes' `libp2p started` lines
const ENV = { ...SHORT_TIMINGS, AETHEL_LOG_LEVEL: 'info' }

describe('peers file hot reload', () => {
  let dir: string
  let lattice: Lattice
  let late: NodeProcess | undefined
  const fileOf = (name: string): string => join(dir, `peers-${name}.json`)
  /** The same file for every node, each replaced atomically, as a ConfigMap update does. */
  const writePeersFiles = async (content: object): Promise<void> => {
    for (const name of ['0', '1', 'late']) {
      await writeFile(`${fileOf(name)}.tmp`, JSON.stringify(content))
      await rename(`${fileOf(name)}.tmp`, fileOf(name))
    }
  }

  beforeAll(async () => {
    dir = await tempDir('peers-file-')
    lattice = await startConnectedLattice(2, { env: ENV, nodeEnv: i => ({ AETHEL_PEERS_FILE: fileOf(String(i)) }) })
    late = await startNodeProcess({
      dataDir: join(dir, 'late'),
      token: lattice.token,
      pskFile: lattice.pskFile,
      // p2p mode: without peers it must not reach the others by HTTP either (it knows none anyway)
      env: { ...ENV, AETHEL_PEERS_FILE: fileOf('late'), AETHEL_SYNC_MODE: 'p2p' }
    })
  }, 120_000)
  afterAll(async () => {
    await late?.kill('SIGKILL')
    await lattice?.destroy()
    await disposeDir(dir)
  })

  it('joins a node listed in a rewritten peers file', async () => {
    const node = late as NodeProcess
    const early = await write(node, 'written-before-join')
    expect((await status(node)).peer_count).toBe(0)

    const all = [...lattice.nodes, node]
    await writePeersFiles({
      bootstrap: all.map(n => n.p2pAddr),
      lattice_nodes: all.map(n => n.url),
      members: all.map(n => n.peerId)
    })
    await waitFor('three nodes connected after the peers file changed', async () => (await Promise.all(all.map(status))).every(s => s.peer_count === 2), { timeoutMs: 30_000 })
    const later = await write(lattice.nodes[0], 'written-after-join')
    await waitFor('records of the late node everywhere', async () => await converged(all, [early.id, later.id]), { timeoutMs: 30_000 })
  })

  it('restarts libp2p with the gossip mesh when the file grows past the flood size, and records still flow', async () => {
    const all = [...lattice.nodes, late as NodeProcess]
    // members that are not running: the network's size is what the file says (the operator lists pods
    // that may still be starting); the nodes keep dialing the three that run
    const absent = await Promise.all(Array.from({ length: FLOOD_MAX_NODES + 1 - all.length }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    await writePeersFiles({
      bootstrap: all.map(n => n.p2pAddr),
      lattice_nodes: all.map(n => n.url),
      members: [...all.map(n => n.peerId), ...absent]
    })
    await waitFor('every node restarted libp2p with the mesh topology', async () => all.every(n => /"gossip_topology":"mesh"/.test(n.logs())), { timeoutMs: 30_000 })
    for (const n of all) expect(n.logs()).toContain('restarting libp2p: the network size calls for another gossip topology')
    await waitFor('three nodes connected again', async () => (await Promise.all(all.map(status))).every(s => s.peer_count === 2 && s.mode === 'P2P'), { timeoutMs: 30_000 })
    const after = await write(all[2], 'written-in-mesh-mode')
    await waitFor('the record on all three nodes', async () => await converged(all, [after.id]), { timeoutMs: 30_000 })
  }, 120_000)
})
