/**
 * HTTP sync in-process: two real ledgers (SQLite files), two sync services without libp2p in `http`
 * mode, each router served by a real HTTP server behind a bearer check. Writes on either side reach
 * the other both ways (pull and push), a node skips its own URL in the lattice list, and a wrong
 * token is refused and counted as an HTTP sync error.
 */
import { syncRoutes } from '../../node/src/api/sync-routes.js'
import { disposeDir, registryValue, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import { writeFile } from 'node:fs/promises'
import { Writable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http, { type Server } from 'node:http'
import https from 'node:https'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import express from 'express'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Registry } from 'prom-client'
import winston from 'winston'
import { createLedger } from '../../node/src/ledger/index.js'
import type { Ledger } from '../../node/src/ledger/interface.js'
import { createPeerDirectory, type PeerDirectory } from '../../node/src/peers/index.js'
import { createSyncService } from '../../node/src/sync/index.js'
import type { SyncService } from '../../node/src/sync/interface.js'
import { createSilentLogger } from '../../packages/log/src/index.js'

/** Collects the messages a winston logger writes (JSON lines). */
class Capture extends Writable {
  readonly messages: string[] = []
  override _write (chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    for (const line of chunk.toString('utf8').split('\n').filter(l => l.trim() !== '')) {
      this.messages.push((JSON.parse(line) as { message: string }).message)
    }
    done()
  }
}

interface Side {
  id: string
  ledger: Ledger
  sync: SyncService
  peers: PeerDirectory
  server: Server
  url: string
  registry: Registry
  capture: Capture
}

describe('HTTP sync between two in-process nodes', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {})
  })

  async function side (dir: string, name: string, token: string, clientToken: string, tls?: { key: Buffer, cert: Buffer, caFile?: string }): Promise<Side & { setNodes: (urls: string[], members: string[]) => Promise<void> }> {
    const key = await generateKeyPair('Ed25519')
    const id = peerIdFromPrivateKey(key).toString()
    const registry = new Registry()
    const capture = new Capture()
    const logger = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: capture })] })
    const app = express()
    let syncRef: SyncService | undefined
    app.use('/api/lattice/sync', (req, res, next) => {
      if (req.get('authorization') !== `Bearer ${token}`) { res.status(401).json({ error: { code: 'unauthorized', message: 'bad token' } }); return }
      next()
    }, syncRoutes({
      pull: async (req) => await (syncRef as SyncService).pull(req),
      push: async (records) => await (syncRef as SyncService).push(records),
      setP2PEnabled: async (enabled) => await (syncRef as SyncService).setP2PEnabled(enabled)
    }))
    const server: Server = tls !== undefined ? https.createServer({ key: tls.key, cert: tls.cert }, app) : http.createServer(app)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
    cleanups.push(async () => { await new Promise<void>(resolve => server.close(() => resolve())) })
    const url = `${tls !== undefined ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`
    // the peers file names every node, this one included: the service must skip itself
    const peersFile = join(dir, `${name}-peers.json`)
    const peers = await createPeerDirectory({ selfPeerId: id, bootstrap: [], latticeNodes: [], members: [], peersFile }, { logger: createSilentLogger() })
    cleanups.push(async () => { await peers.stop() })
    const ledger = await createLedger({ dbPath: join(dir, `${name}.db`) }, { privateKey: key, isMember: origin => peers.isMember(origin), logger: createSilentLogger(), registry })
    cleanups.push(async () => { await ledger.close() })
    const sync = await createSyncService({
      p2pEnabled: false,
      listen: [],
      topic: 'aethel/lattice/v1',
      mode: 'http',
      heartbeatIntervalMs: 200,
      peerlessTimeoutMs: 1500,
      httpPollIntervalMs: 200,
      ...(tls?.caFile !== undefined ? { caFile: tls.caFile } : {})
    }, { ledger, privateKey: key, peers, apiToken: clientToken, logger, registry })
    syncRef = sync
    cleanups.push(async () => { await sync.stop() })
    return {
      id, ledger, sync, peers, server, url, registry, capture,
      setNodes: async (urls: string[], members: string[]) => {
        await writeFile(peersFile, JSON.stringify({ bootstrap: [], lattice_nodes: urls, members }))
        await peers.reload()
      }
    }
  }

  it('pulls and pushes both ways, skipping its own URL', async () => {
    const dir = await tempDir('http-sync-')
    cleanups.push(async () => { await disposeDir(dir) })
    const a = await side(dir, 'a', 'tok', 'tok')
    const b = await side(dir, 'b', 'tok', 'tok')
    const urls = [a.url, b.url]
    await a.setNodes(urls, [a.id, b.id])
    await b.setNodes(urls, [a.id, b.id])
    const fromA = await a.ledger.append([{ key: 'a1', payload: { n: 1 } }, { key: 'a2', payload: { n: 2 } }])
    // b stays passive (never started): a alone must deliver its records (push) and fetch b's (pull)
    const fromB = await b.ledger.append([{ key: 'b1', payload: { n: 3 } }])
    await a.sync.start()
    expect(a.sync.status()).toMatchObject({ sync_mode: 'http', mode: 'HTTP', http_sync_enabled: true, started: false })
    await waitFor('both ledgers with 3 records', () => a.ledger.recordCount() === 3 && b.ledger.recordCount() === 3, { timeoutMs: 20_000 })
    expect(a.ledger.merkleRoot()).toBe(b.ledger.merkleRoot())
    expect(b.ledger.get(fromA[1].id)).toBeDefined()
    expect(a.ledger.get(fromB[0].id)).toBeDefined()
    await waitFor('own URL detected', () => a.capture.messages.includes('lattice node is this node: skipped from now on'), { timeoutMs: 10_000 })
    // the records may land before the round that carried them is counted as complete
    await waitFor('a completed round', async () => await registryValue(a.registry, 'lattice_http_sync_rounds_total') > 0, { timeoutMs: 10_000 })
    expect(await registryValue(a.registry, 'lattice_http_sync_errors_total')).toBe(0)
    expect(a.sync.status().last_sync).not.toBeNull()
    expect(a.sync.health().http_sync.status).toBe('healthy')
  })

  it('a wrong token is refused and counted as an error', async () => {
    const dir = await tempDir('http-sync-')
    cleanups.push(async () => { await disposeDir(dir) })
    const a = await side(dir, 'a', 'tok-a', 'wrong')
    const b = await side(dir, 'b', 'tok-b', 'tok-b')
    await a.setNodes([b.url], [a.id, b.id])
    await a.ledger.append([{ key: 'x', payload: 1 }])
    await a.sync.start()
    await waitFor('refused rounds counted', async () => await registryValue(a.registry, 'lattice_http_sync_errors_total') >= 2, { timeoutMs: 20_000 })
    expect(b.ledger.recordCount()).toBe(0)
    expect(await registryValue(a.registry, 'lattice_http_sync_rounds_total')).toBe(0)
    expect(a.sync.health().http_sync.status).toBe('unhealthy')
  })

  it('syncs with an https node whose certificate is signed by the configured CA (AETHEL_TLS_CA_FILE)', async () => {
    const dir = await tempDir('http-sync-tls-')
    cleanups.push(async () => { await disposeDir(dir) })
    const f = (n: string): string => join(dir, n)
    // a per-network CA and a node certificate for 127.0.0.1, as the operator would issue them
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=lattice-test-ca'], { stdio: 'ignore' })
    execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('node.key'), '-out', f('node.csr'), '-subj', '/CN=node'], { stdio: 'ignore' })
    await writeFile(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n')
    execFileSync('openssl', ['x509', '-req', '-in', f('node.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('node.crt'), '-days', '1', '-extfile', f('ext.cnf')], { stdio: 'ignore' })
    const key = readFileSync(f('node.key'))
    const cert = readFileSync(f('node.crt'))
    const server = await side(dir, 'srv', 'tok', 'tok', { key, cert })
    const trusting = await side(dir, 'trusting', 'tok', 'tok', { key, cert, caFile: f('ca.crt') })
    const untrusting = await side(dir, 'untrusting', 'tok', 'tok')
    for (const c of [trusting, untrusting]) await c.setNodes([server.url], [server.id, trusting.id, untrusting.id])
    await server.setNodes([], [server.id, trusting.id, untrusting.id])
    await server.ledger.append([{ key: 'tls', payload: true }])
    await trusting.sync.start()
    await untrusting.sync.start()
    await waitFor('record over https', () => trusting.ledger.recordCount() === 1, { timeoutMs: 20_000 })
    await waitFor('untrusted certificate refused', async () => await registryValue(untrusting.registry, 'lattice_http_sync_errors_total') >= 1, { timeoutMs: 20_000 })
    expect(untrusting.ledger.recordCount()).toBe(0)
  })
})
