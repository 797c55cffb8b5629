import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Application } from 'express'
import type { ServingMaterial, TlsFiles } from '../tls/interface.js'

export interface ApiServerInit {
  host: string
  port: number
  /** Serve HTTPS with these files; a reloaded certificate applies to new connections at once. */
  tls?: Pick<TlsFiles, 'serving' | 'on' | 'off'>
  /** How long shutdown waits for in-flight requests before closing their connections. */
  drainTimeoutMs?: number
}

export interface ApiServer {
  /** `http(s)://host:port` as bound (port 0 resolved). */
  readonly url: string
  readonly port: number
  /** Stop accepting, let in-flight requests finish (up to the drain timeout), then close. */
  close(): Promise<void>
}

export async function startApiServer (init: ApiServerInit, app: Application): Promise<ApiServer> {
  const material = init.tls?.serving()
  const server = material !== undefined
    ? https.createServer({ cert: material.cert, key: material.key }, app)
    : http.createServer(app)
  // Rotation without downtime: new handshakes get the new pair; requests in flight finish on their
  // connection, idle keep-alive connections are closed so that clients reconnect and verify the new
  // certificate (a client keeping one connection open would otherwise never see it).
  const onServing = (m: ServingMaterial): void => {
    (server as https.Server).setSecureContext({ cert: m.cert, key: m.key })
    server.closeIdleConnections()
  }
  if (material !== undefined) init.tls?.on('serving', onServing)
  // Count requests that have not finished, so shutdown knows when acknowledged writes are all answered.
  let inFlight = 0
  const drained: Array<() => void> = []
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Live feeds never finish by themselves; they are closed at shutdown, not waited for.
    if (req.url?.startsWith('/api/lattice/changes') === true) return
    inFlight++
    res.on('close', () => {
      inFlight--
      if (inFlight === 0) drained.splice(0).forEach(resolve => resolve())
    })
  })
  server.keepAliveTimeout = 65000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port, init.host, () => { server.off('error', reject); resolve() })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `${material !== undefined ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`

  return {
    url,
    port: address.port,
    async close () {
      init.tls?.off('serving', onServing)
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeIdleConnections()
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          new Promise<void>(resolve => drained.push(resolve)),
          new Promise<void>(resolve => { timer = setTimeout(resolve, init.drainTimeoutMs ?? 10000) })
        ])
        clearTimeout(timer)
      }
      server.closeAllConnections()
      await closed
    }
  }
}
