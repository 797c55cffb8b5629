/**
 * A seeded fuzz run against one real node process: at least 10,000 generated requests (routes of the
 * API with hostile methods, paths, percent-encodings, queries, headers and bodies). It requires no 5xx,
 * no crash, bounded memory, and a ledger that holds exactly the records the node acknowledged (a
 * refused request changes nothing).
 */
import { readFile } from 'node:fs/promises'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startStandaloneNode } from '../../packages/testkit/src/node/index.js'

const SEED = Number(process.env.LATTICE_FUZZ_SEED ?? 20261129)
const REQUESTS = 10_000
const CONCURRENCY = 16
const TIME_LIMIT_MS = 120_000
const RSS_LIMIT_MB = 600

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with LATTICE_FUZZ_SEED. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface FuzzRequest { method: string, path: string, headers: Record<string, string>, body?: Uint8Array<ArrayBuffer> | string }

function generator (random: () => number, token: string): () => FuzzRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
  const int = (n: number): number => Math.floor(random() * n)
  // Weighted toward the record routes, where bodies and queries are parsed.
  const ROUTES = ['/api/lattice/records', '/api/lattice/records', '/api/lattice/records', '/api/lattice/records/batch', '/api/lattice/records/batch',
    '/api/lattice/records/:id', '/api/lattice/records/:id', '/api/lattice/keys/:key', '/api/lattice/keys/:key', '/api/lattice/changes',
    '/api/lattice/state', '/api/lattice/health', '/api/lattice/p2p/status', '/api/lattice/sync/pull', '/api/lattice/sync/push', '/api/lattice/sync/switch',
    '/api/lattice/timeline', '/healthz', '/readyz', '/metrics', '/', '/api/lattice/nope', '/api/lattice/records/']
  const SEGMENTS = ['%ZZ', '%', '%E0%A4%A', '%FF%FE', '%00', '..', '%2e%2e', 'a'.repeat(300), 'é', '0'.repeat(64), 'f'.repeat(63), '%F0%9F%98%80', 'x%20y', '']
  const QUERY_KEYS = ['limit', 'after', 'from_seq', 'to_seq', 'origin', 'cursor', 'mode', 'enabled', 'x']
  const QUERY_VALUES = ['1', '0', '-1', '1000', '1001', 'Infinity', '-Infinity', 'NaN', '1e999', '1.5', '', 'abc', '9'.repeat(40), '%ZZ', 'p2p', 'http', 'auto', 'true', '12D3KooW']
  const value = (depth: number): unknown => {
    switch (int(depth > 3 ? 5 : 8)) {
      case 0: return int(1000) - 500
      case 1: return random() * 1e300
      case 2: return 'é\u0000"\\'.repeat(int(8))
      case 3: return random() < 0.5
      case 4: return null
      case 5: return Array.from({ length: int(4) }, () => value(depth + 1))
      default: return Object.fromEntries(Array.from({ length: int(4) }, (_, i) => [`k${i}`, value(depth + 1)]))
    }
  }
  const body = (): string | Uint8Array<ArrayBuffer> | undefined => {
    switch (int(10)) {
      case 0: return undefined
      case 1: { const d = 40 + int(200); return `{"key":"deep","payload":${'['.repeat(d)}${']'.repeat(d)}}` }
      case 2: return `{"key":"k${int(50)}","payload":` // truncated JSON
      case 3: return new Uint8Array(Array.from({ length: int(200) }, () => int(256)))
      case 4: return JSON.stringify({ records: Array.from({ length: int(5) }, () => ({ key: `b${int(50)}`, payload: value(0) })) })
      case 5: return JSON.stringify(value(0))
      case 6: return JSON.stringify({ key: pick(['', 'k', 'x'.repeat(300), 'é'.repeat(200)]), payload: value(0) })
      case 7: return JSON.stringify({ version_vector: pick([{}, { x: -1 }, { a: 'b' }, null, []]), limit: pick([1, -1, 1e9, 'x']) })
      default: return JSON.stringify({ key: `fz/${int(100)}`, payload: value(0) })
    }
  }
  return () => {
    let route = pick(ROUTES).replace(':id', () => pick(SEGMENTS)).replace(':key', () => pick(SEGMENTS))
    if (random() < 0.05) route += '/' + pick(SEGMENTS)
    const query = Array.from({ length: int(3) }, () => `${pick(QUERY_KEYS)}=${pick(QUERY_VALUES)}`).join('&')
    const headers: Record<string, string> = {}
    const auth = int(8)
    if (auth < 6) headers.authorization = `Bearer ${token}`
    else if (auth === 6) headers.authorization = pick(['Bearer ', 'Bearer wrong-token-xxxxxxxx', 'Basic abc', 'Bearer ' + 'a'.repeat(5000)])
    const method = pick(['GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])
    let payload = method === 'GET' || method === 'HEAD' ? undefined : body()
    if (payload !== undefined) {
      headers['content-type'] = pick(['application/json', 'application/json', 'application/json', 'application/json', 'application/json; charset=latin1', 'text/plain', 'application/x-lattice-batch', 'application/json; charset=utf-16'])
      if (random() < 0.1) {
        headers['content-encoding'] = pick(['gzip', 'deflate', 'br', 'compress'])
        if (random() < 0.7) payload = new Uint8Array(gzipSync(payload))
      }
    }
    return { method, path: query === '' ? route : `${route}?${query}`, headers, body: payload }
  }
}

async function rssMb (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

describe('node API fuzz', () => {
  let node: Awaited<ReturnType<typeof startStandaloneNode>>

  beforeAll(async () => { node = await startStandaloneNode('fuzz-') })
  afterAll(async () => {
    await node?.destroy()
  })

  it(`answers ${REQUESTS} generated requests without a 5xx, a crash or a lost write (seed ${SEED})`, async () => {
    const next = generator(prng(SEED), node.token)
    const statuses = new Map<number, number>()
    const serverErrors: string[] = []
    const acknowledged = new Set<string>()
    let sent = 0
    let peakRss = 0
    const deadline = Date.now() + TIME_LIMIT_MS
    const worker = async (): Promise<void> => {
      while (sent < REQUESTS && Date.now() < deadline) {
        sent++
        const req = next()
        const res = await fetch(`${node.url}${req.path}`, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(10_000) })
        // The changes feed streams: its status is all that matters here.
        const text = res.headers.get('content-type')?.startsWith('text/event-stream') === true ? (await res.body?.cancel(), '') : await res.text()
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        if (res.status >= 500) serverErrors.push(`${res.status} ${req.method} ${req.path} ${text.slice(0, 200)}`)
        if (res.status === 201) {
          const created = JSON.parse(text) as { id?: string, records?: Array<{ id: string }> }
          for (const r of created.records ?? [created as { id: string }]) acknowledged.add(r.id)
        }
        if (sent % 500 === 0) peakRss = Math.max(peakRss, await rssMb(node.child.pid!))
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const summary = { sent, statuses: Object.fromEntries(statuses), acknowledged: acknowledged.size, peakRssMb: Math.round(peakRss) }
    process.stdout.write(`fuzz: ${JSON.stringify(summary)}\n`)

    expect(serverErrors.slice(0, 10)).toEqual([])
    expect(sent).toBeGreaterThanOrEqual(REQUESTS)
    expect(node.child.exitCode).toBeNull()
    expect(peakRss).toBeLessThan(RSS_LIMIT_MB)
    // Exactly the acknowledged records are in the ledger: nothing refused was written.
    const state = await node.api<{ record_count: number }>('/api/lattice/state')
    expect(state.body.record_count).toBe(acknowledged.size)
    for (const id of [...acknowledged].slice(0, 200)) expect((await node.api(`/api/lattice/records/${id}`)).status).toBe(200)
  }, 180_000)
})
