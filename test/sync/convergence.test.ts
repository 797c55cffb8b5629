/**
 * Acceptance: three real node processes on loopback (private network, shared token). A record written
 * to any node reaches all three over gossip and every Merkle root is equal; a record signed by a
 * non-member is dropped and counted.
 */
import { disposeDir, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startLattice, startNodeProcess, writePskFile, type Lattice, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { createRecordSigner, signRecord } from '../../node/src/ledger/index.js'
import { encodeGossip } from '../../node/src/sync/codec.js'
import type { P2PTransport } from '../../node/src/sync/p2p/transport.js'
import { converged, has, metric, SHORT_TIMINGS, state, status, testTransport, write } from './helpers.js'

describe('three-node lattice converges over gossip', () => {
  let lattice: Lattice
  let outsider: P2PTransport | undefined
  let intruder: NodeProcess | undefined
  let intruderDir: string | undefined
  beforeAll(async () => {
    lattice = await startLattice(3, { env: SHORT_TIMINGS })
  }, 120_000)
  afterAll(async () => {
    await outsider?.stop()
    await intruder?.kill('SIGKILL')
    if (intruderDir !== undefined) await disposeDir(intruderDir)
    await lattice?.destroy()
  })

  it('connects every node to the two others in P2P mode', async () => {
    await waitFor('all nodes with 2 peers in P2P mode', async () => {
      const all = await Promise.all(lattice.nodes.map(status))
      return all.every(s => s.peer_count === 2 && s.mode === 'P2P' && !s.http_sync_enabled && s.heartbeat_active && s.started)
    }, { timeoutMs: 30_000 })
    // gossip flows both ways once every node has heard every peer's heartbeat (subscriptions known)
    await waitFor('heartbeats from every peer', async () => (await Promise.all(lattice.nodes.map(status))).every(st => st.peers.length === 2 && st.peers.every(p => p.last_heartbeat !== null)), { timeoutMs: 30_000 })
    const s = await status(lattice.nodes[0])
    expect(s.sync_mode).toBe('auto')
    expect(s.peers.map(p => p.peer_id).sort()).toEqual([lattice.nodes[1].peerId, lattice.nodes[2].peerId].sort())
    await waitFor('peer latencies', async () => (await status(lattice.nodes[0])).peers.every(p => typeof p.latency_ms === 'number' && p.latency_ms >= 0), { timeoutMs: 20_000 })
  })

  it('a record written to any node is on all three, roots equal', async () => {
    const ids: string[] = []
    for (const [i, node] of lattice.nodes.entries()) {
      ids.push((await write(node, `from-${i}`)).id)
    }
    await waitFor('records on every node with equal roots', async () => await converged(lattice.nodes, ids), { timeoutMs: 30_000 })
    const states = await Promise.all(lattice.nodes.map(state))
    expect(new Set(states.map(s => s.merkle_root)).size).toBe(1)
    expect(states.every(s => s.record_count === 3)).toBe(true)
    // they arrived by gossip: the propagation histogram counted them
    expect(await metric(lattice.nodes[0], 'lattice_gossip_propagation_seconds_count')).toBeGreaterThanOrEqual(2)
    // heartbeats carry the same root to every peer
    await waitFor('peers in sync by heartbeat', async () => (await status(lattice.nodes[1])).peers.every(p => p.in_sync === true), { timeoutMs: 20_000 })
  })

  it('drops and counts a record signed by a non-member (a peer that has the network key) at the one membership gate, the ledger', async () => {
    const psk = new Uint8Array(await readFile(lattice.pskFile as string))
    const key = await generateKeyPair('Ed25519')
    const origin = peerIdFromPrivateKey(key).toString()
    const target = lattice.nodes[0]
    outsider = testTransport(key, psk, {
      bootstrap: () => [target.p2pAddr]
    })
    await outsider.start()
    const before = await metric(target, 'lattice_ledger_rejected_records_total', { reason: 'unknown_origin' })
    const signer = createRecordSigner(key, origin)
    let seq = 0
    let lastId = ''
    // publish fresh records until the node has counted one (subscriptions propagate asynchronously)
    await waitFor('non-member record counted', async () => {
      seq++
      const rec = signRecord({ origin, seq, ts: Date.now(), key: 'intrusion', payload: { seq } }, signer)
      lastId = rec.id
      await outsider?.publish(encodeGossip({ type: 'records', records: [rec] }))
      return await metric(target, 'lattice_ledger_rejected_records_total', { reason: 'unknown_origin' }) > before
    }, { timeoutMs: 30_000, intervalMs: 250 })
    expect(await has(target, lastId)).toBe(false)
    expect((await state(target)).version_vector[origin]).toBeUndefined()
  })

  it('serves no catch-up to a non-member that has the network key', async () => {
    const target = lattice.nodes[0]
    expect((await state(target)).record_count).toBeGreaterThan(0)
    const before = await metric(target, 'lattice_p2p_rejected_messages_total', { reason: 'non_member' })
    const received: string[] = []
    await expect(outsider!.catchup(target.peerId, { version_vector: {} }, async (batch) => { received.push(...batch.records.map(r => r.id)) }))
      .rejects.toThrow(/catch-up from/)
    expect(received).toEqual([])
    expect(await metric(target, 'lattice_p2p_rejected_messages_total', { reason: 'non_member' })).toBeGreaterThan(before)
  })

  it('a node process without the pre-shared key cannot join', async () => {
    intruderDir = await tempDir('intruder-')
    const wrongPsk = await writePskFile(intruderDir)
    intruder = await startNodeProcess({
      dataDir: join(intruderDir, 'data'),
      pskFile: wrongPsk,
      token: lattice.token,
      env: { ...SHORT_TIMINGS, AETHEL_P2P_BOOTSTRAP: lattice.nodes.map(n => n.p2pAddr).join(',') }
    })
    // it keeps dialling the lattice for its whole peerless timeout, then fails over (to no HTTP nodes)
    await waitFor('intruder peerless timeout passed', async () => await metric(intruder as NodeProcess, 'lattice_sync_failovers_total') >= 1, { timeoutMs: 30_000 })
    const s = await status(intruder)
    expect(s.peer_count).toBe(0)
    for (const node of lattice.nodes) {
      const ns = await status(node)
      expect(ns.peers.map(p => p.peer_id)).not.toContain(intruder.peerId)
      expect(ns.peer_count).toBeGreaterThanOrEqual(2)
    }
  })
})
