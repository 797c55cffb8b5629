/**
 * The P2P transport alone, with real libp2p nodes on 127.0.0.1: private network, bootstrap redial,
 * gossip on the topic, the catch-up protocol streaming bounded batches, restart on the same port.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { generateKey } from '@libp2p/pnet'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { P2PTransport, type P2PTransportHandlers } from '../../node/src/sync/p2p/transport.js'
import type { GossipMessage } from '../../node/src/sync/codec.js'
import { encodeGossip } from '../../node/src/sync/codec.js'
import { batchesFor } from '../../node/src/sync/reconcile.js'
import type { LedgerRecord, VersionVector } from '../../node/src/ledger/interface.js'
import { createSilentLogger } from '../../packages/log/src/index.js'

const TOPIC = 'aethel/lattice/test'

function makePsk (): Uint8Array {
  const key = new Uint8Array(95)
  generateKey(key)
  return key
}

interface TestNode {
  key: PrivateKey
  id: string
  transport: P2PTransport
  received: Array<{ msg: GossipMessage, from: string }>
  bootstrap: string[]
  records: LedgerRecord[]
}

async function makeNode (psk: Uint8Array | undefined, bootstrap: string[] = []): Promise<TestNode> {
  const key = await generateKeyPair('Ed25519')
  const node: TestNode = { key, id: peerIdFromPrivateKey(key).toString(), transport: undefined as unknown as P2PTransport, received: [], bootstrap, records: [] }
  const handlers: P2PTransportHandlers = {
    onGossip: (msg, from) => { node.received.push({ msg, from }) },
    onMalformed: () => {},
    onOverBudget: () => {},
    onPeerConnected: () => {},
    onPeersChanged: () => {},
    onPeerSilent: () => {},
    serve: (req) => batchesFor({
      missingFor: (theirs: VersionVector, limit: number) => node.records.filter(r => r.seq > (theirs[r.origin] ?? 0)).slice(0, limit)
    }, req.version_vector, { limit: req.limit ?? 100, maxBytes: 1 << 20 }),
    bootstrap: () => node.bootstrap,
    networkSize: () => 3
  }
  node.transport = new P2PTransport({
    privateKey: key,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    topic: TOPIC,
    psk,
    backoff: { minMs: 100, maxMs: 1000 },
    reconnectTickMs: 100,
    timeoutMs: 10_000,
    livenessIntervalMs: 1000
  }, handlers, createSilentLogger())
  await node.transport.start()
  return node
}

function addrOf (n: TestNode): string {
  const a = n.transport.listenAddrs().find(x => x.startsWith('/ip4/127.0.0.1/'))
  if (a === undefined) throw new Error('no loopback address')
  return a.includes('/p2p/') ? a : `${a}/p2p/${n.id}`
}

describe('P2P transport (real libp2p on loopback)', () => {
  const nodes: TestNode[] = []
  afterAll(async () => {
    await Promise.allSettled(nodes.map(async n => { await n.transport.stop() }))
  })

  it('connects through bootstrap, gossips, serves catch-up, and reconnects after a restart on the same port', async () => {
    const psk = makePsk()
    const a = await makeNode(psk)
    nodes.push(a)
    const b = await makeNode(psk, [addrOf(a)])
    nodes.push(b)
    await waitFor('a and b connected', () => a.transport.peerCount() === 1 && b.transport.peerCount() === 1, { timeoutMs: 20_000 })

    // gossip: b publishes until a has it (subscriptions propagate asynchronously)
    // (each attempt is a new message: gossipsub drops a re-publish of the same bytes as a duplicate)
    let attempt = 0
    await waitFor('gossip from b to a', async () => {
      const record: LedgerRecord = { origin: b.id, seq: 1, ts: Date.now(), key: 'k', payload: { v: 1 }, id: `id${++attempt}`, sig: 'sig' }
      await b.transport.publish(encodeGossip({ type: 'records', records: [record] }))
      return a.received.some(r => r.msg.type === 'records' && r.msg.records[0].origin === b.id && r.from === b.id)
    }, { timeoutMs: 20_000, intervalMs: 200 })

    // catch-up: a holds 250 records of some origin; b asks with an empty vector, batches of 100
    a.records = Array.from({ length: 250 }, (_, i) => ({ origin: a.id, seq: i + 1, ts: i, key: `k${i}`, payload: { i }, id: `r${i}`, sig: 's' }))
    const got: LedgerRecord[] = []
    const sizes: number[] = []
    const outcome = await b.transport.catchup(a.id, { version_vector: {}, limit: 100 }, async (batch) => {
      sizes.push(batch.records.length)
      got.push(...batch.records)
    })
    expect(sizes).toEqual([100, 100, 50])
    expect(got.map(r => r.seq)).toEqual(a.records.map(r => r.seq))
    expect(outcome.batches).toBe(3)
    expect(outcome.bytes).toBeGreaterThan(0)
    // nothing missing: one empty final batch
    const none = await b.transport.catchup(a.id, { version_vector: { [a.id]: 250 } }, async (batch) => { expect(batch.records).toHaveLength(0) })
    expect(none.batches).toBe(1)

    // restart a: same port, b's reconnect loop finds it again
    const before = addrOf(a)
    await a.transport.stop()
    await waitFor('b saw a leave', () => b.transport.peerCount() === 0, { timeoutMs: 20_000 })
    await a.transport.start()
    expect(addrOf(a)).toBe(before)
    await waitFor('b reconnected to a', () => b.transport.peerCount() === 1, { timeoutMs: 20_000 })
  })

  it('dials bootstrap peers named by DNS (/dns4/…, as the operator writes them)', async () => {
    const psk = makePsk()
    const a = await makeNode(psk)
    nodes.push(a)
    const port = addrOf(a).split('/')[4]
    const b = await makeNode(psk, [`/dns4/localhost/tcp/${port}/p2p/${a.id}`])
    nodes.push(b)
    await waitFor('b connected to a by DNS name', () => b.transport.peerCount() === 1, { timeoutMs: 20_000 })
    expect(b.transport.peers()[0].peerId).toBe(a.id)
  })

  it('delivers to a peer that is not directly connected to the origin (lazy gossip, no mesh)', async () => {
    // a line: a - b - c; c never connects to a
    const psk = makePsk()
    const a = await makeNode(psk)
    nodes.push(a)
    const b = await makeNode(psk, [addrOf(a)])
    nodes.push(b)
    const c = await makeNode(psk, [addrOf(b)])
    nodes.push(c)
    await waitFor('line connected', () => b.transport.peerCount() === 2 && c.transport.peerCount() === 1, { timeoutMs: 20_000 })
    expect(c.transport.peers().map(p => p.peerId)).toEqual([b.id])
    let attempt = 0
    await waitFor('a record of a at c through b', async () => {
      const record: LedgerRecord = { origin: a.id, seq: ++attempt, ts: Date.now(), key: 'line', payload: attempt, id: `line${attempt}`, sig: 's' }
      await a.transport.publish(encodeGossip({ type: 'records', records: [record] }))
      return c.received.some(r => r.msg.type === 'records' && r.msg.records[0].origin === a.id)
    }, { timeoutMs: 30_000, intervalMs: 500 })
    const got = c.received.find(r => r.msg.type === 'records' && r.msg.records[0].origin === a.id)
    expect(got?.from).toBe(b.id)
  })

  it('streams a large catch-up to a slow consumer without overflowing (acknowledged window)', async () => {
    const psk = makePsk()
    const a = await makeNode(psk)
    nodes.push(a)
    const b = await makeNode(psk, [addrOf(a)])
    nodes.push(b)
    await waitFor('connected', () => b.transport.peerCount() === 1, { timeoutMs: 20_000 })
    // ~12 MB of incompressible records: more than the 8 MiB read buffer if the server did not wait
    a.records = Array.from({ length: 3000 }, (_, i) => ({ origin: a.id, seq: i + 1, ts: i, key: `k${i}`, payload: randomBytes(3000).toString('base64'), id: `r${i}`, sig: 's' }))
    let got = 0
    const outcome = await b.transport.catchup(a.id, { version_vector: {}, limit: 100 }, async (batch) => {
      got += batch.records.length
      await new Promise(resolve => setTimeout(resolve, 150))
    })
    expect(got).toBe(3000)
    expect(outcome.batches).toBe(30)
    expect(outcome.bytes).toBeGreaterThan(8 * 1024 * 1024)
  })

  it('a node without the pre-shared key cannot join', async () => {
    const psk = makePsk()
    const a = await makeNode(psk)
    nodes.push(a)
    const intruder = await makeNode(makePsk(), [addrOf(a)])
    nodes.push(intruder)
    const open = await makeNode(undefined, [addrOf(a)])
    nodes.push(open)
    const member = await makeNode(psk, [addrOf(a)])
    nodes.push(member)
    await waitFor('member connected', () => member.transport.peerCount() === 1, { timeoutMs: 20_000 })
    // an explicit dial with the wrong key, or with none, fails (the redial loops have been trying too)
    await expect(intruder.transport.dial(addrOf(a))).rejects.toThrow()
    await expect(open.transport.dial(addrOf(a))).rejects.toThrow()
    await expect(intruder.transport.catchup(a.id, { version_vector: {} }, async () => {})).rejects.toThrow(/catch-up/)
    // while a member's explicit dial works
    await member.transport.dial(addrOf(a))
    expect(intruder.transport.peerCount()).toBe(0)
    expect(open.transport.peerCount()).toBe(0)
    expect(a.transport.peers().map(p => p.peerId)).toEqual([member.id])
  })
})
