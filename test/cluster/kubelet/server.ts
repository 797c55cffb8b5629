import fs from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'

/** Where the kubelet server finds a container's log file. */
export type LogLocator = (namespace: string, pod: string, container: string | undefined) => string | undefined

export interface KubeletServerInit {
  cert: string
  key: string
  /** Clients (the API server) must present a certificate of this CA. */
  ca: string
  host?: string
}

export interface KubeletServer {
  readonly port: number
  close: () => Promise<void>
}

/** Lines the kubelet itself writes into container logs (restart markers), not the process's output. */
const MARKER = /^--- \d{4}-\d\d-\d\dT[^ ]+ start #\d+: /

/** The process's own lines: kubelet markers removed; the last `tailLines` when given. Pure. */
export function containerLogLines (text: string, tailLines?: number): string {
  const lines = text.split('\n').filter(l => !MARKER.test(l))
  const hadNewline = text.endsWith('\n')
  if (hadNewline) lines.pop()
  const kept = tailLines != null && tailLines >= 0 ? lines.slice(Math.max(0, lines.length - tailLines)) : lines
  return kept.length === 0 ? '' : kept.join('\n') + '\n'
}

/**
 * The part of the kubelet API that `kubectl logs` needs: GET /containerLogs/<ns>/<pod>/<container>
 * (tailLines, follow) and /healthz, over TLS with client certificates of the cluster CA.
 */
export async function startKubeletServer (init: KubeletServerInit, logs: LogLocator): Promise<KubeletServer> {
  const server = https.createServer({
    cert: fs.readFileSync(init.cert),
    key: fs.readFileSync(init.key),
    ca: fs.readFileSync(init.ca),
    requestCert: true,
    rejectUnauthorized: true
  }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet')
    if (url.pathname === '/healthz') { res.end('ok'); return }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname)
    if (req.method !== 'GET' || m == null) { res.writeHead(404); res.end('not found'); return }
    const file = logs(decodeURIComponent(m[1]), decodeURIComponent(m[2]), m[3] != null ? decodeURIComponent(m[3]) : undefined)
    if (file == null || !fs.existsSync(file)) { res.writeHead(404); res.end(`no logs for ${m[1]}/${m[2]}`); return }
    const tail = url.searchParams.has('tailLines') ? Number(url.searchParams.get('tailLines')) : undefined
    res.writeHead(200, { 'content-type': 'text/plain' })
    let offset = fs.statSync(file).size
    res.write(containerLogLines(fs.readFileSync(file, 'utf8'), tail))
    if (url.searchParams.get('follow') !== 'true') { res.end(); return }
    // Follow: poll the file for appended bytes until the client goes away.
    const timer = setInterval(() => {
      try {
        const size = fs.statSync(file).size
        if (size <= offset) return
        const fd = fs.openSync(file, 'r')
        const buf = Buffer.alloc(size - offset)
        fs.readSync(fd, buf, 0, buf.length, offset)
        fs.closeSync(fd)
        offset = size
        res.write(containerLogLines(buf.toString('utf8')))
      } catch {
        clearInterval(timer)
        res.end()
      }
    }, 250)
    req.on('close', () => { clearInterval(timer) })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, init.host ?? '127.0.0.1', () => { resolve() })
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
