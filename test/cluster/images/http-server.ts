/**
 * The harness's generic test image (`lattice-test-http`), a busybox-like HTTP server:
 *   GET /          200 "hello from <HOSTNAME>"
 *   GET /healthz   200, or 500 after GET /sick (liveness tests)
 *   GET /readyz    200 once READY_AFTER_MS has passed since start
 *   GET /env       the process environment as JSON (env resolution tests)
 *   GET /file?path=<p>  the file's content (volume tests)
 *   GET /exit?code=<n>  exits with that code (restart tests)
 * Listens on LISTEN (host:port), else $POD_IP:$PORT, else 0.0.0.0:8080. Exits 0 on SIGTERM.
 */
import fs from 'node:fs'
import http from 'node:http'

const listen = process.env.LISTEN ?? `${process.env.POD_IP ?? '0.0.0.0'}:${process.env.PORT ?? '8080'}`
const sep = listen.lastIndexOf(':')
const host = listen.slice(0, sep)
const port = Number(listen.slice(sep + 1))
const readyAfter = Number(process.env.READY_AFTER_MS ?? '0')
const started = Date.now()
let sick = false

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const send = (code: number, body: string, type = 'text/plain'): void => {
    res.writeHead(code, { 'content-type': type })
    res.end(body)
  }
  switch (url.pathname) {
    case '/': send(200, `hello from ${process.env.HOSTNAME ?? ''}\n`); break
    case '/healthz': send(sick ? 500 : 200, sick ? 'sick\n' : 'ok\n'); break
    case '/sick': sick = true; send(200, 'now sick\n'); break
    case '/readyz': send(Date.now() - started >= readyAfter ? 200 : 503, 'ready?\n'); break
    case '/env': send(200, JSON.stringify(process.env), 'application/json'); break
    case '/file': {
      try {
        send(200, fs.readFileSync(url.searchParams.get('path') ?? '', 'utf8'))
      } catch (err) {
        send(404, (err as Error).message)
      }
      break
    }
    case '/exit': {
      send(200, 'bye\n')
      setTimeout(() => process.exit(Number(url.searchParams.get('code') ?? '0')), 20)
      break
    }
    default: send(404, 'not found\n')
  }
})

server.listen(port, host, () => {
  console.log(JSON.stringify({ msg: 'listening', host, port, pid: process.pid }))
})
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ msg: 'SIGTERM, exiting' }))
  server.close()
  process.exit(0)
})
