/**
 * Acceptance: the peers file (AETHEL_PEERS_FILE, written by the operator) is re-read when it changes.
 * A node that starts knowing nobody joins the lattice once the file lists it, and its records are
 * accepted by the others because the file also makes it a member.
 */
import { disposeDir, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import { rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type Lattice, type NodeProcess, startConnectedLattice, startNodeProcess } from '../../packages/testkit/src/node/index.js'
import { converged, SHORT_TIMINGS, status, write } from './helpers.js'

describe('peers file hot reload', () => {
  let dir: string
  let lattice: Lattice
  let late: NodeProcess | undefined
  const fileOf = (name: string): string => join(dir, `peers-${name}.json`)

  beforeAll(async () => {
    dir = await tempDir('peers-file-')
    lattice = await startConnectedLattice(2, { env: SHORT_TIMINGS, nodeEnv: i => ({ AETHEL_PEERS_FILE: fileOf(String(i)) }) })
    late = await startNodeProcess({
      dataDir: join(dir, 'late'),
      token: lattice.token,
      pskFile: lattice.pskFile,
      // p2p mode: without peers it must not reach the others by HTTP either (it knows none anyway)
      env: { ...SHORT_TIMINGS, AETHEL_PEERS_FILE: fileOf('late'), AETHEL_SYNC_MODE: 'p2p' }
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
    const content = JSON.stringify({
      bootstrap: all.map(n => n.p2pAddr),
      lattice_nodes: all.map(n => n.url),
      members: all.map(n => n.peerId)
    })
    // atomic replace, as a ConfigMap update does
    for (const name of ['0', '1', 'late']) {
      await writeFile(`${fileOf(name)}.tmp`, content)
      await rename(`${fileOf(name)}.tmp`, fileOf(name))
    }
    await waitFor('three nodes connected after the peers file changed', async () => (await Promise.all(all.map(status))).every(s => s.peer_count === 2), { timeoutMs: 30_000 })
    const later = await write(lattice.nodes[0], 'written-after-join')
    await waitFor('records of the late node everywhere', async () => await converged(all, [early.id, later.id]), { timeoutMs: 30_000 })
  })
})
