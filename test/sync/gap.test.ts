/**
 * Acceptance: a gap starts a catch-up. A member peer gossips only seq 2 of its records; the node buffers
 * it, asks that peer over /aethel/lattice/sync/1.0.0 for what it lacks, and applies seq 1 and 2, though
 * seq 1 was never gossiped. The peer is a real libp2p node in this test process that holds the
 * network key and serves catch-up from its own signed records.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { startLattice, type Lattice } from '../../packages/testkit/src/node/index.js'
import { createRecordSigner, signRecord } from '../../node/src/ledger/index.js'
import type { LedgerRecord } from '../../node/src/ledger/interface.js'
import type { P2PTransport } from '../../node/src/sync/p2p/transport.js'
import { batchesFor } from '../../node/src/sync/reconcile.js'
import { has, metric, SHORT_TIMINGS, status, testTransport } from './helpers.js'

describe('gap → catch-up from the peer that delivered the message', () => {
  let lattice: Lattice
  let key: PrivateKey
  let origin: string
  let peer: P2PTransport | undefined
  /** What the peer serves: nothing until the node's catch-up on connect is over. */
  let served: LedgerRecord[] = []
  let serveCalls = 0

  beforeAll(async () => {
    key = await generateKeyPair('Ed25519')
    origin = peerIdFromPrivateKey(key).toString()
    // a long heartbeat: the catch-up must come from the gap, not from a heartbeat
    lattice = await startLattice(1, { env: { ...SHORT_TIMINGS, AETHEL_HEARTBEAT_INTERVAL: '60', AETHEL_MEMBERS: origin } })
  }, 120_000)
  afterAll(async () => {
    await peer?.stop()
    await lattice?.destroy()
  })

  it('fetches the missing seq from the gossiping peer', async () => {
    const node = lattice.nodes[0]
    const signer = createRecordSigner(key, origin)
    const now = Date.now()
    const records = [1, 2].map(seq => signRecord({ origin, seq, ts: now + seq, key: `gap/${seq}`, payload: { seq } }, signer))
    peer = testTransport(key, new Uint8Array(await readFile(lattice.pskFile as string)), {
      serve: (req) => {
        serveCalls++
        return batchesFor({ missingFor: (theirs, limit) => served.filter(r => r.seq > (theirs[r.origin] ?? 0)).slice(0, limit) }, req.version_vector, { limit: 100, maxBytes: 1 << 20 })
      },
      bootstrap: () => [node.p2pAddr]
    })
    await peer.start()
    await waitFor('peer connected', async () => (await status(node)).peer_count === 1, { timeoutMs: 20_000 })
    // the node asks a new peer for what it lacks at once: let that catch-up find nothing
    await waitFor('catch-up on connect', () => serveCalls >= 1, { timeoutMs: 20_000 })
    served = records
    const callsBefore = serveCalls
    const seq2 = records[1]
    // gossip seq 2 only; each attempt differs by whitespace (gossipsub drops a re-publish of equal bytes)
    let attempt = 0
    await waitFor('seq 2 applied', async () => {
      attempt++
      await peer?.publish(Buffer.concat([Buffer.from('R'), Buffer.from(' '.repeat(attempt) + JSON.stringify([seq2]))]))
      return await has(node, seq2.id)
    }, { timeoutMs: 20_000, intervalMs: 300 })
    expect(serveCalls).toBeGreaterThan(callsBefore)
    expect(await has(node, records[0].id)).toBe(true)
    expect(await metric(node, 'lattice_catchup_records_total', { transport: 'p2p' })).toBeGreaterThanOrEqual(1)
  })
})
