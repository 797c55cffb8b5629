/** Small HTTP servers: /metrics (8080) and /healthz, /readyz (8081). node:http, no framework needed. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HealthChecks {
  /** Liveness: the process's loops run. */
  healthy(): boolean
  /** Readiness: informers synced (a standby replica is ready too: it can take over). */
  ready(): boolean
}

export interface HttpEndpoint {
  readonly port: number
  close(): Promise<void>
}

export interface ListenAddress { host: string, port: number }

export class BadListenAddressError extends Error {
  readonly value: string
  constructor (value: string) {
    super(`not a listen address (want host:port or :port): ${value}`)
    this.name = 'BadListenAddressError'
    this.value = value
  }
}

/** Parses `:8080`, `0.0.0.0:8080`, `127.0.0.1:0`. */
export function parseListenAddress (value: string): ListenAddress {
  const m = /^(.*):(\d{1,5})$/.exec(value)
  if (m === null) throw new BadListenAddressError(value)
  const port = Number(m[2])
  if (port > 65535) throw new BadListenAddressError(value)
  const host = m[1] === '' ? '0.0.0.0' : (m[1] as string).replace(/^\[(.*)\]$/, '$1')
  return { host, port }
}

async function listen (server: Server, addr: ListenAddress): Promise<HttpEndpoint> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(addr.port, addr.host, () => { server.off('error', reject); resolve() })
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

export async function startHealthServer (addr: ListenAddress, checks: HealthChecks): Promise<HttpEndpoint> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    const ok = path === '/healthz' ? checks.healthy() : path === '/readyz' ? checks.ready() : undefined
    if (ok === undefined) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'); return }
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n')
  })
  return await listen(server, addr)
}

export async function startMetricsServer (addr: ListenAddress, metrics: { text(): Promise<string>, contentType: string }): Promise<HttpEndpoint> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (path !== '/metrics') { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'); return }
    metrics.text().then(
      text => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err))
    )
  })
  return await listen(server, addr)
}
