/** The REST API of one real node process: validation, auth, pagination, idempotency, key view, feed. */
import { sampleValue } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { request, startStandaloneNode } from '../../packages/testkit/src/node/index.js'

interface Rec { id: string, origin: string, seq: number, ts: number, key: string, payload: unknown, sig: string }
interface ApiError { error: { code: string, message: string } }
interface State { merkle_root: string, record_count: number, version_vector: Record<string, number> }

describe('node REST API', () => {
  let node: Awaited<ReturnType<typeof startStandaloneNode>>
  const count = async (): Promise<number> => (await node.api<State>('/api/lattice/state')).body.record_count

  beforeAll(async () => { node = await startStandaloneNode('api-') })
  afterAll(async () => {
    await node?.destroy()
  })

  it('serves status, state, health and metrics without a token', async () => {
    const status = await node.api<Record<string, unknown>>('/api/lattice/p2p/status', { auth: false })
    expect(status.status).toBe(200)
    for (const field of ['started', 'peer_count', 'has_peers', 'http_sync_enabled', 'heartbeat_active', 'sync_mode', 'mode', 'peer_id', 'listen_addrs', 'peers', 'last_sync', 'merkle_root']) {
      expect(status.body).toHaveProperty(field)
    }
    expect(status.body.peer_id).toBe(node.peerId)
    expect(status.body.peer_count).toBe(0)
    expect(status.body.has_peers).toBe(false)

    const health = await node.api<Record<string, unknown>>('/api/lattice/health', { auth: false })
    expect(health.status).toBe(200)
    expect(Object.keys(health.body.components as object).sort()).toEqual(['heartbeat', 'http_sync', 'p2p', 'persistence'])
    expect(health.body).toHaveProperty('timestamp')
    expect(health.body).toHaveProperty('unhealthy_components')

    expect((await node.api('/healthz', { auth: false })).status).toBe(200)
    expect((await node.api('/readyz', { auth: false })).status).toBe(200)
    const metrics = await fetch(`${node.url}/metrics`)
    const text = await metrics.text()
    expect(sampleValue(text, 'lattice_ledger_records')).toBeDefined()
    expect(text).toMatch(/lattice_ledger_write_latency_seconds_bucket/)
  })

  it('refuses mutations without a valid token (401) and writes nothing', async () => {
    const before = await count()
    const none = await node.api<ApiError>('/api/lattice/records', { body: { key: 'k', payload: 1 }, auth: false })
    expect(none.status).toBe(401)
    expect(none.body.error.code).toBe('unauthorized')
    const wrong = await request<ApiError>(`${node.url}/api/lattice/records`, { body: { key: 'k', payload: 1 }, token: 'not-the-token-at-all' })
    expect(wrong.status).toBe(401)
    expect((await node.api('/api/lattice/sync/switch?mode=http', { method: 'POST', auth: false })).status).toBe(401)
    expect(await count()).toBe(before)
  })

  it.each([
    ['malformed JSON', { rawBody: '{"key": "a", "payload": ' }, 400, 'malformed_json'],
    ['a missing key', { body: { payload: 1 } }, 400, 'invalid_record'],
    ['an empty key', { body: { key: '', payload: 1 } }, 400, 'invalid_record'],
    ['an unknown field', { body: { key: 'a', payload: 1, seq: 7 } }, 400, 'invalid_record'],
    ['a key over 256 bytes', { body: { key: 'é'.repeat(129), payload: 1 } }, 400, 'invalid_record'],
    ['a payload over 64 KiB', { body: { key: 'big', payload: 'x'.repeat(70 * 1024) } }, 413, 'payload_too_large'],
    ['a body over the request limit', { body: { key: 'huge', payload: 'x'.repeat(400 * 1024) } }, 413, 'payload_too_large']
  ])('refuses %s with a clear 4xx and writes nothing', async (_name, req, status, code) => {
    const before = await count()
    const res = await request<ApiError>(`${node.url}/api/lattice/records`, { ...req, token: node.token })
    expect(res.status).toBe(status)
    expect(res.body.error.code).toBe(code)
    expect(res.body.error.message.length).toBeGreaterThan(5)
    expect(await count()).toBe(before)
  })

  it('answers 201 with the signed record and serves it by id, by key and in listings', async () => {
    const res = await node.api<Rec>('/api/lattice/records', { body: { key: 'acct/bob', payload: { v: 1 } } })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ origin: node.peerId, key: 'acct/bob', payload: { v: 1 } })
    expect(res.body.sig).toMatch(/^[A-Za-z0-9_-]{86}$/)
    const newer = await node.api<Rec>('/api/lattice/records', { body: { key: 'acct/bob', payload: { v: 2 } } })
    expect(newer.body.seq).toBe(res.body.seq + 1)

    expect((await node.api<Rec>(`/api/lattice/records/${res.body.id}`)).body).toEqual(res.body)
    expect((await node.api(`/api/lattice/records/${'0'.repeat(64)}`)).status).toBe(404)
    expect((await node.api<ApiError>('/api/lattice/records/not-an-id')).body.error.code).toBe('invalid_record_id')
    expect((await node.api<Rec>('/api/lattice/keys/acct%2Fbob')).body.payload).toEqual({ v: 2 })
    expect((await node.api('/api/lattice/keys/nobody')).status).toBe(404)
  })

  it('pages through an origin by seq and through everything by cursor', async () => {
    const batch = await node.api<{ records: Rec[] }>('/api/lattice/records/batch', { body: { records: Array.from({ length: 25 }, (_, i) => ({ key: `page/${i}`, payload: i })) } })
    expect(batch.status).toBe(201)
    expect(batch.body.records).toHaveLength(25)
    const seen: number[] = []
    let query = `origin=${node.peerId}&from_seq=1&limit=10`
    for (let pages = 0; pages < 20; pages++) {
      const page = await node.api<{ records: Rec[], next: { origin: string, from_seq: number } | null }>(`/api/lattice/records?${query}`)
      expect(page.status).toBe(200)
      seen.push(...page.body.records.map(r => r.seq))
      if (page.body.next === null) break
      query = `origin=${page.body.next.origin}&from_seq=${page.body.next.from_seq}&limit=10`
    }
    const total = await count()
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1))

    const ids: string[] = []
    let after = 0
    for (let pages = 0; pages < 20; pages++) {
      const page = await node.api<{ records: Rec[], next: { after: number } | null }>(`/api/lattice/records?after=${after}&limit=7`)
      ids.push(...page.body.records.map(r => r.id))
      if (page.body.next === null) break
      after = page.body.next.after
    }
    expect(new Set(ids).size).toBe(total)
    expect((await node.api<ApiError>('/api/lattice/records?limit=5000')).status).toBe(400)
    expect((await node.api<ApiError>('/api/lattice/records?origin=nope')).status).toBe(400)
  })

  it('makes a retried request with the same Idempotency-Key return the first result', async () => {
    const before = await count()
    const headers = { 'idempotency-key': 'order-7781' }
    const first = await node.api<Rec>('/api/lattice/records', { body: { key: 'order/7781', payload: { amount: 10 } }, headers })
    const retry = await node.api<Rec>('/api/lattice/records', { body: { key: 'order/7781', payload: { amount: 10 } }, headers })
    expect(first.status).toBe(201)
    expect(retry.body).toEqual(first.body)
    expect(await count()).toBe(before + 1)
    const conflict = await node.api<ApiError>('/api/lattice/records', { body: { key: 'order/7781', payload: { amount: 99 } }, headers })
    expect(conflict.status).toBe(409)
    expect(conflict.body.error.code).toBe('idempotency_conflict')
  })

  it('refuses a whole batch when one entry is invalid, and batches over 1,000', async () => {
    const before = await count()
    const bad = await node.api<ApiError>('/api/lattice/records/batch', { body: { records: [{ key: 'ok', payload: 1 }, { key: 'big', payload: 'x'.repeat(70 * 1024) }] } })
    expect(bad.status).toBe(413)
    const tooMany = await node.api<ApiError>('/api/lattice/records/batch', { body: { records: Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, payload: i })) } })
    expect(tooMany.status).toBe(400)
    expect(tooMany.body.error.message).toMatch(/1000/)
    expect(await count()).toBe(before)
  })

  it('streams applied records as server-sent events, resumable from a cursor', async () => {
    const controller = new AbortController()
    const res = await fetch(`${node.url}/api/lattice/changes?cursor=0`, { headers: { authorization: `Bearer ${node.token}` }, signal: controller.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const written = await node.api<Rec>('/api/lattice/records', { body: { key: 'feed/live', payload: 'hello' } })
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    const deadline = Date.now() + 15000
    while (!text.includes(written.body.id) && Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value)
    }
    controller.abort()
    const events = text.split('\n\n').filter(e => e.includes('event: record'))
    const lsns = events.map(e => Number(/^id: (\d+)$/m.exec(e)?.[1]))
    // From cursor 0: the whole backlog in order, then the live record, each exactly once.
    expect(lsns).toEqual(Array.from({ length: lsns.length }, (_, i) => i + 1))
    expect(events.at(-1)).toContain(written.body.id)
    expect(lsns.length).toBe(await count())
  })

  it('answers unknown routes and bad sync modes with a JSON error', async () => {
    const missing = await node.api<ApiError>('/api/lattice/nothing-here')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    const mode = await node.api<ApiError>('/api/lattice/sync/switch?mode=warp', { method: 'POST' })
    expect(mode.status).toBe(400)
    expect(mode.body.error.message).toMatch(/p2p, http, auto/)
  })
})
