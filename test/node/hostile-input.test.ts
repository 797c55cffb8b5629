/**
 * Hostile and malformed input against one real node process: every request gets a 4xx with the
 * documented error shape, nothing is written, and an unauthenticated client costs no body parsing.
 */
import http from 'node:http'
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { request, startStandaloneNode } from '../../packages/testkit/src/node/index.js'
import { sampleGets, uploadFloodInChild } from '../support/upload-flood.js'

interface ApiError { error: { code: string, message: string } }
interface State { merkle_root: string, record_count: number }

describe('node API under hostile input', () => {
  let node: Awaited<ReturnType<typeof startStandaloneNode>>
  const state = async (): Promise<State> => (await node.api<State>('/api/lattice/state')).body
  const write = async (body: string | Uint8Array, headers: Record<string, string> = {}, pathname = '/api/lattice/records'): Promise<{ status: number, body: ApiError }> =>
    await request<ApiError>(`${node.url}${pathname}`, { method: 'POST', rawBody: body, token: node.token, headers })

  beforeAll(async () => { node = await startStandaloneNode('hostile-') })
  afterAll(async () => {
    await node?.destroy()
  })

  it.each([
    ['nested 5,000 deep', 5000],
    ['nested 100,000 deep', 100_000],
    ['nested one level past the limit', 65]
  ])('refuses a payload %s with 400 and writes nothing', async (_name, depth) => {
    const before = await state()
    const res = await write(`{"key":"deep","payload":${'['.repeat(depth)}${']'.repeat(depth)}}`)
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_record')
    expect(res.body.error.message).toMatch(/nested deeper than 64 levels/)
    expect(await state()).toEqual(before)
  })

  it('accepts a payload nested exactly to the limit, and serves it everywhere', async () => {
    const payload = JSON.parse('['.repeat(64) + '1' + ']'.repeat(64)) as unknown
    const res = await node.api<{ id: string }>('/api/lattice/records', { body: { key: 'at-limit', payload } })
    expect(res.status).toBe(201)
    expect((await node.api(`/api/lattice/records/${res.body.id}`)).status).toBe(200)
    expect((await node.api('/api/lattice/keys/at-limit')).status).toBe(200)
    expect((await node.api('/api/lattice/records?after=0&limit=1000')).status).toBe(200)
  })

  it('decodes a gzip body (Content-Encoding: gzip) and refuses one that does not inflate', async () => {
    const body = gzipSync(JSON.stringify({ key: 'zipped', payload: { ok: true } }))
    const ok = await write(body, { 'content-encoding': 'gzip' })
    expect(ok.status).toBe(201)
    const before = await state()
    const broken = await write(Buffer.from('this is not gzip at all'), { 'content-encoding': 'gzip' })
    expect(broken.status).toBe(400)
    expect(broken.body.error.code).toMatch(/^[a-z_]+$/)
    const unknown = await write(body, { 'content-encoding': 'x-lattice-unknown' })
    expect(unknown.status).toBe(415)
    expect(unknown.body.error.code).toBe('unsupported_media_type')
    expect(await state()).toEqual(before)
  })

  it('caps what a gzip body may inflate to (a decompression bomb gets 413)', async () => {
    const before = await state()
    const bomb = gzipSync(JSON.stringify({ key: 'bomb', payload: 'x'.repeat(20 * 1024 * 1024) }))
    expect(bomb.byteLength).toBeLessThan(100 * 1024)
    const res = await write(bomb, { 'content-encoding': 'gzip' }, '/api/lattice/records/batch')
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('payload_too_large')
    expect(await state()).toEqual(before)
  })

  it('refuses bodies and keys that are not UTF-8 instead of replacing bytes', async () => {
    const before = await state()
    const body = Buffer.concat([Buffer.from('{"key":"bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('","payload":1}')])
    const res = await write(body)
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_utf8')
    const key = await node.api<ApiError>('/api/lattice/keys/%FF%FE')
    expect(key.status).toBe(400)
    expect(key.body.error.code).toBe('bad_request')
    expect(await state()).toEqual(before)
  })

  it.each([
    ['HEAD', '/api/lattice/records/%ZZ'],
    ['GET', '/api/lattice/records/%ZZ'],
    ['PATCH', '/api/lattice/records/%'],
    ['GET', '/api/lattice/keys/%E0%A4%A']
  ])('answers %s %s (malformed percent-encoding) with 400', async (method, pathname) => {
    const res = await request<ApiError>(`${node.url}${pathname}`, { method, token: node.token })
    expect(res.status).toBe(400)
    if (method !== 'HEAD') expect(res.body.error.code).toBe('bad_request')
  })

  it.each(['limit=Infinity', 'limit=-Infinity', 'limit=NaN', 'limit=1e999', 'limit=1.5', 'after=-1', 'after=1e400', 'from_seq=0', 'limit=', 'limit=10&limit=20'])(
    'refuses the listing query %s with 400', async (query) => {
      const res = await node.api<ApiError>(`/api/lattice/records?${query}`)
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('invalid_request')
    })

  it.each(['cursor=Infinity', 'cursor=-1', 'cursor=abc'])('refuses the changes feed query %s with 400', async (query) => {
    const res = await node.api<ApiError>(`/api/lattice/changes?${query}`)
    expect(res.status).toBe(400)
  })

  it('answers 401 to an unauthenticated large body before reading it', async () => {
    const total = 15 * 1024 * 1024
    const url = new URL(`${node.url}/api/lattice/records/batch`)
    const { status, sent } = await new Promise<{ status: number, sent: number }>((resolve, reject) => {
      let sent = 0
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(total) } })
      req.on('response', (res) => { res.resume(); resolve({ status: res.statusCode ?? 0, sent }); req.destroy() })
      req.on('error', (err) => { if (sent === 0) reject(err) })
      // Send the first 64 KiB only: the answer must come without the rest of the body.
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      req.write(chunk, () => { sent += chunk.byteLength })
    })
    expect(status).toBe(401)
    expect(sent).toBeLessThan(total)
  })

  it('answers 64 concurrent unauthenticated 15 MB uploads with 401 and Connection: close, without reading them, and keeps serving', async () => {
    const before = await state()
    const flood = uploadFloodInChild({ url: `${node.url}/api/lattice/records/batch`, clients: 64, bytes: 15 * 1024 * 1024, durationMs: 0 })
    const sampled = await sampleGets(`${node.url}/api/lattice/state`, flood)
    const result = await flood
    process.stdout.write(`64 unauthenticated 15 MB uploads: ${JSON.stringify(result)}; GET /state during them: ${JSON.stringify(sampled.statuses)}\n`)
    // Every client read a complete 401 that closes the connection; none was reset before its answer,
    // and none got its whole body taken (the node stops reading after the answer).
    expect(result.uploads).toBe(64)
    expect(result.statuses).toEqual({ 401: 64 })
    expect(result.closed).toBe(64)
    expect(result.errorsBeforeAnswer).toEqual({})
    expect(result.bodiesFullySent).toBe(0)
    // The API kept answering meanwhile, and nothing was written.
    expect(sampled.latencies.length).toBeGreaterThan(0)
    expect(Object.keys(sampled.statuses)).toEqual(['200'])
    expect(await state()).toEqual(before)
  }, 120_000)

  it('keeps every file in the data directory readable by its owner only', async () => {
    const files = (await readdir(node.dataDir, { withFileTypes: true })).filter(e => e.isFile()).map(e => e.name)
    expect(files).toEqual(expect.arrayContaining(['ledger.db', 'ledger.db-wal', 'identity.key']))
    const modes = await Promise.all(files.map(async (name) => [name, ((await stat(path.join(node.dataDir, name))).mode & 0o777).toString(8)]))
    expect(modes).toEqual(files.map(name => [name, '600']))
  })
})
