/**
 * A member that holds the network key floods valid gossip (fresh signed records, 50 per message, as fast
 * as it can sign) at one node for 15 s. The node stays up and keeps answering its API: the flooder's
 * messages beyond its per-peer gossip budget are dropped before decoding and counted.
 */
import { disposeDir, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { startNodeProcess, writePskFile, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { createRecordSigner, signRecord } from '../../node/src/ledger/index.js'
import { encodeGossip } from '../../node/src/sync/codec.js'
import type { P2PTransport } from '../../node/src/sync/p2p/transport.js'
import { metric, SHORT_TIMINGS, status, testTransport } from './helpers.js'

const FLOOD_MS = 15_000
const RECORDS_PER_MESSAGE = 50

describe('gossip flood from a member', () => {
  let dir: string
  let target: NodeProcess
  let flooder: P2PTransport | undefined

  beforeAll(async () => {
    dir = await tempDir('flood-')
    const pskFile = await writePskFile(dir)
    const key = await generateKeyPair('Ed25519')
    const origin = peerIdFromPrivateKey(key).toString()
    target = await startNodeProcess({ dataDir: path.join(dir, 'target'), pskFile, env: { ...SHORT_TIMINGS, AETHEL_MEMBERS: origin } })
    flooder = testTransport(key, new Uint8Array(await readFile(pskFile)), {
      bootstrap: () => [target.p2pAddr]
    })
    await flooder.start()
    await waitFor('flooder connected', async () => (await status(target)).peer_count === 1, { timeoutMs: 20_000 })
  }, 120_000)
  afterAll(async () => {
    await flooder?.stop()
    await target?.kill('SIGKILL')
    await disposeDir(dir)
  })

  it(`stays up and answers its API while a member floods it for ${FLOOD_MS / 1000} s; over-budget gossip is dropped`, async () => {
    const key = (flooder as unknown as { init: { privateKey: Parameters<typeof createRecordSigner>[0] } }).init.privateKey
    const origin = flooder!.peerId()
    const signer = createRecordSigner(key, origin)
    const payload = 'f'.repeat(1000)
    let seq = 0
    let sentBytes = 0
    const stateLatencies: number[] = []
    let probing = true
    const probe = (async () => {
      while (probing) {
        const started = performance.now()
        const res = await target.api('/api/lattice/state')
        expect(res.status).toBe(200)
        stateLatencies.push(performance.now() - started)
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    })()
    const end = Date.now() + FLOOD_MS
    while (Date.now() < end) {
      const records = Array.from({ length: RECORDS_PER_MESSAGE }, () => signRecord({ origin, seq: ++seq, ts: Date.now(), key: `flood/${seq}`, payload }, signer))
      const data = encodeGossip({ type: 'records', records })
      sentBytes += data.byteLength
      await flooder!.publish(data)
      // give the event loop a turn so the transport can write what it queued
      await new Promise(resolve => setImmediate(resolve))
    }
    probing = false
    await probe
    const sorted = [...stateLatencies].sort((a, b) => a - b)
    const dropped = await metric(target, 'lattice_p2p_rejected_messages_total', { reason: 'over_budget' })
    process.stdout.write(`flood: ${seq} records in ${Math.round(sentBytes / 1024 / 1024)} MiB over ${FLOOD_MS / 1000} s; ` +
      `${dropped} messages over budget dropped; GET /state p50 ${Math.round(sorted[Math.floor(sorted.length / 2)])} ms, ` +
      `p99 ${Math.round(sorted[Math.floor(sorted.length * 0.99)])} ms (${sorted.length} probes)\n`)
    expect(target.child.exitCode).toBeNull()
    expect(dropped).toBeGreaterThan(0)
    expect(stateLatencies.length).toBeGreaterThan(10)
    expect((await target.api('/readyz', { auth: false })).status).toBe(200)
  }, 120_000)
})
