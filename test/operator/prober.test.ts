// The prober against real HTTP servers: one healthy, one slow (beyond the timeout), one refusing,
// one answering 500; and the concurrency bound measured at the server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNodeProber } from '../../operator/src/probe/prober.js'

const status = { started: true, peer_count: 2, has_peers: true, http_sync_enabled: false, heartbeat_active: true, sync_mode: 'auto', mode: 'P2P', peer_id: '12D3KooWX', listen_addrs: [], peers: [], last_sync: null, merkle_root: 'ab'.repeat(32), record_count: 7 }
const state = { merkle_root: 'ab'.repeat(32), record_count: 7, version_vector: {} }

let inFlight = 0
let maxInFlight = 0
const servers: Server[] = []

async function serve (handler: (url: string) => Promise<[number, unknown]>): Promise<string> {
  const srv = createServer((req, res) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    void handler(req.url ?? '').then(([code, body]) => {
      inFlight--
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
  })
  servers.push(srv)
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
}

let healthy = ''
let slow = ''
let broken = ''
let refused = ''
let gate: () => void = () => {}
let gated = ''
let malformed = ''
let gateOpen: Promise<void> = Promise.resolve()

beforeAll(async () => {
  healthy = await serve(async url => [200, url.endsWith('/p2p/status') ? status : state])
  slow = await serve(async () => { await new Promise(resolve => setTimeout(resolve, 3000)); return [200, status] })
  broken = await serve(async () => [500, { error: { code: 'x', message: 'y' } }])
  malformed = await serve(async url => [200, url.endsWith('/p2p/status') ? { ...status, mode: 'GOSSIP' } : state])
  gateOpen = new Promise<void>(resolve => { gate = resolve })
  gated = await serve(async url => { await gateOpen; return [200, url.endsWith('/p2p/status') ? status : state] })
  const tmp = createServer()
  await new Promise<void>(resolve => tmp.listen(0, '127.0.0.1', resolve))
  refused = `http://127.0.0.1:${(tmp.address() as AddressInfo).port}`
  await new Promise<void>(resolve => tmp.close(() => resolve()))
})

afterAll(async () => {
  gate()
  for (const s of servers) { s.closeAllConnections(); await new Promise<void>(resolve => s.close(() => resolve())) }
})

describe('node prober', () => {
  it('reads status and state of a healthy node and caches the result', async () => {
    const p = createNodeProber({ timeoutMs: 2000 })
    const r = await p.probe({ key: 'ns/a', baseUrl: healthy })
    expect(r.up).toBe(true)
    expect(r.status?.peer_count).toBe(2)
    expect(r.status?.mode).toBe('P2P')
    expect(r.state?.record_count).toBe(7)
    expect(p.last('ns/a')).toBe(r)
  })
  it('retain keeps the given keys\' results and failure counts and drops every other key', async () => {
    const p = createNodeProber({ timeoutMs: 300, failureThreshold: 3 })
    const up = await p.probe({ key: 'ns/a@10.0.0.1', baseUrl: healthy })
    await p.probe({ key: 'ns/a@10.0.0.2', baseUrl: healthy })
    // two failures in a row: held at the last answer
    expect(await p.probe({ key: 'ns/a@10.0.0.1', baseUrl: broken })).toBe(up)
    expect(await p.probe({ key: 'ns/a@10.0.0.1', baseUrl: broken })).toBe(up)
    // the pod was replaced (new IP): its old key goes, the kept key's count goes on
    p.retain(new Set(['ns/a@10.0.0.1']))
    expect(p.last('ns/a@10.0.0.2')).toBeUndefined()
    expect(p.last('ns/a@10.0.0.1')).toBe(up)
    expect((await p.probe({ key: 'ns/a@10.0.0.1', baseUrl: broken })).up).toBe(false)
    p.retain(new Set())
    expect(p.last('ns/a@10.0.0.1')).toBeUndefined()
  })
  it('a node whose status body breaks the contract is up=false with the field named, not a cast', async () => {
    const r = await createNodeProber({ timeoutMs: 2000 }).probe({ key: 'ns/m', baseUrl: malformed })
    expect(r.up).toBe(false)
    expect(r.error).toBe('p2p status: mode is not P2P|HTTP|NONE')
  })
  it('a slow, refusing or failing node is up=false with an error, not an exception', async () => {
    const p = createNodeProber({ timeoutMs: 300 })
    const [s, f, b] = await p.probeAll([{ key: 's', baseUrl: slow }, { key: 'f', baseUrl: refused }, { key: 'b', baseUrl: broken }])
    for (const r of [s, f, b]) {
      expect(r?.up).toBe(false)
      expect(typeof r?.error).toBe('string')
    }
    expect(b?.error).toContain('500')
  })
  it('a node that answered before counts as down only after `failureThreshold` failed probes in a row', async () => {
    const p = createNodeProber({ timeoutMs: 300, failureThreshold: 3 })
    const up = await p.probe({ key: 'n', baseUrl: healthy })
    expect(up.up).toBe(true)
    // Two failures: still the last answer (a busy node's slow reply is not an outage).
    expect(await p.probe({ key: 'n', baseUrl: broken })).toBe(up)
    expect(await p.probe({ key: 'n', baseUrl: refused })).toBe(up)
    // An answer resets the count, so it takes three more in a row.
    expect((await p.probe({ key: 'n', baseUrl: healthy })).up).toBe(true)
    expect((await p.probe({ key: 'n', baseUrl: broken })).up).toBe(true)
    expect((await p.probe({ key: 'n', baseUrl: broken })).up).toBe(true)
    const down = await p.probe({ key: 'n', baseUrl: broken })
    expect(down.up).toBe(false)
    expect(down.error).toContain('500')
    expect(p.last('n')).toBe(down)
  })
  it('never has more than `concurrency` nodes in flight', async () => {
    inFlight = 0
    maxInFlight = 0
    const p = createNodeProber({ timeoutMs: 20_000, concurrency: 2 })
    const all = p.probeAll(Array.from({ length: 6 }, (_, i) => ({ key: `g${i}`, baseUrl: gated })))
    const deadline = Date.now() + 10_000
    while (inFlight < 4 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    // Two nodes in flight = four requests (status and state each).
    expect(inFlight).toBe(4)
    gate()
    const results = await all
    expect(results.every(r => r.up)).toBe(true)
    expect(maxInFlight).toBe(4)
  })
})
