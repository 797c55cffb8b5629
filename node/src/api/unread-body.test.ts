import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import { closeWithoutReading } from './unread-body.js'

/** A server that answers 401 at once, with closeWithoutReading or without; counts the body bytes it read. */
async function refusingServer (lingering: boolean): Promise<{ url: string, bytesRead: () => number, close: () => Promise<void> }> {
  let read = 0
  const server = http.createServer((req, res) => {
    req.socket.on('data', (chunk: Buffer) => { read += chunk.byteLength })
    if (lingering) closeWithoutReading(req, res, 300)
    res.statusCode = 401
    res.end('{"error":{"code":"unauthorized","message":"no token"}}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    bytesRead: () => read,
    close: async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) }
  }
}

interface UploadResult { status: number, connection: string | undefined, body: string, errorBeforeAnswer: string | undefined, wholeBodySent: boolean }

/**
 * Sends a 32 MiB body as fast as the socket takes it and goes on after the answer (as a careless or
 * hostile client does) until the body is sent or the server ends the connection.
 */
async function upload (url: string): Promise<UploadResult> {
  const total = 32 * 1024 * 1024
  const chunk = Buffer.alloc(256 * 1024, 0x20)
  return await new Promise((resolve) => {
    const result: UploadResult = { status: 0, connection: undefined, body: '', errorBeforeAnswer: undefined, wholeBodySent: false }
    let answered = false
    let ended = false
    const settle = (): void => { if (!ended) { ended = true; req.destroy(); resolve(result) } }
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-length': String(total), connection: 'keep-alive' } })
    req.on('response', (res) => {
      result.status = res.statusCode ?? 0
      result.connection = res.headers.connection
      res.on('data', (c: Buffer) => { result.body += c.toString() })
      res.on('end', () => { answered = true; if (result.wholeBodySent) settle() })
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered) result.errorBeforeAnswer = err.code ?? err.message
      settle()
    })
    let sent = 0
    const pump = (): void => {
      while (sent < total && !ended) {
        sent += chunk.byteLength
        if (!req.write(chunk)) { req.once('drain', pump); return }
      }
      if (!ended) req.end(() => { result.wholeBodySent = true; if (answered) settle() })
    }
    pump()
  })
}

describe('closeWithoutReading', () => {
  const servers: Array<{ close: () => Promise<void> }> = []
  afterEach(async () => { await Promise.all(servers.splice(0).map(async s => await s.close())) })

  it('answers a refused upload completely, with Connection: close, and reads no more of its body', async () => {
    const server = await refusingServer(true)
    servers.push(server)
    const res = await upload(server.url)
    expect(res).toEqual({ status: 401, connection: 'close', body: expect.stringContaining('unauthorized'), errorBeforeAnswer: undefined, wholeBodySent: false })
    // The client went on sending until the linger time ended the connection; the server read only
    // what arrived before the answer (loopback buffers hold a few MiB, far from 32 MiB).
    expect(server.bytesRead()).toBeLessThan(8 * 1024 * 1024)
  })

  it('leaves a request whose body was read entirely alone (keep-alive as usual)', async () => {
    const server = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => { closeWithoutReading(req, res); res.statusCode = 401; res.end('no') })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    servers.push({ close: async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) } })
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST', body: 'small' })
    expect(res.status).toBe(401)
    expect(res.headers.get('connection')).toBe('keep-alive')
    await res.text()
  })
})
