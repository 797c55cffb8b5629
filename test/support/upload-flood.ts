/**
 * Unauthenticated uploads of large bodies, many at once, from a child process (so that the flood does
 * not share the measuring process' event loop), and GET latency sampled meanwhile. Used by the hostile
 * input test (behaviour) and the bench (the p99 figure).
 */
import { spawn } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath, pathToFileURL } from 'node:url'

export interface UploadFloodOptions {
  /** Full URL the bodies are POSTed to (without a token). */
  url: string
  /** Uploads in flight at once. */
  clients: number
  /** Declared and sent size of each body. */
  bytes: number
  /** Keep starting uploads until this much time has passed (0: one upload per client). */
  durationMs: number
}

export interface UploadFloodResult {
  uploads: number
  /** Status code → count of complete answers. */
  statuses: Record<string, number>
  /** Answers that said `Connection: close`. */
  closed: number
  /** Uploads that failed before their answer was read (error code → count). */
  errorsBeforeAnswer: Record<string, number>
  /** Uploads whose whole body the server took (the client kept sending after the answer). */
  bodiesFullySent: number
}

/**
 * One unauthenticated upload from a hostile client: the body is sent as fast as the socket takes it,
 * and it keeps sending after the answer, until the whole body is sent or the server ends the connection.
 */
async function upload (target: URL, bytes: number, agent: http.Agent, result: UploadFloodResult): Promise<void> {
  const chunk = Buffer.alloc(256 * 1024, 0x20)
  await new Promise<void>((resolve) => {
    let done = false
    let answered = false
    let sent = 0
    let flushed = false
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(bytes) } })
    const finish = (): void => {
      if (done) return
      done = true
      result.uploads++
      if (flushed) result.bodiesFullySent++
      req.destroy()
      resolve()
    }
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => {
        answered = true
        result.statuses[String(res.statusCode)] = (result.statuses[String(res.statusCode)] ?? 0) + 1
        if (res.headers.connection === 'close') result.closed++
        if (flushed) finish()
      })
      res.on('error', finish)
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered && !done) {
        const code = err.code ?? err.message
        result.errorsBeforeAnswer[code] = (result.errorsBeforeAnswer[code] ?? 0) + 1
      }
      finish()
    })
    req.on('close', finish)
    const pump = (): void => {
      while (sent < bytes && !done) {
        const piece = chunk.subarray(0, Math.min(chunk.byteLength, bytes - sent))
        sent += piece.byteLength
        if (!req.write(piece)) { req.once('drain', pump); return }
      }
      if (!done) req.end(() => { flushed = true; if (answered) finish() })
    }
    pump()
  })
}

/** Runs the flood in this process. */
export async function uploadFlood (options: UploadFloodOptions): Promise<UploadFloodResult> {
  const target = new URL(options.url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients })
  const result: UploadFloodResult = { uploads: 0, statuses: {}, closed: 0, errorsBeforeAnswer: {}, bodiesFullySent: 0 }
  const started = Date.now()
  await Promise.all(Array.from({ length: options.clients }, async () => {
    do await upload(target, options.bytes, agent, result)
    while (Date.now() - started < options.durationMs)
  }))
  agent.destroy()
  return result
}

/** Runs the flood in a child process (this file as a program) and returns what it saw. */
export async function uploadFloodInChild (options: UploadFloodOptions): Promise<UploadFloodResult> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  if (code !== 0) throw new Error(`upload flood exited with ${String(code)}: ${out}`)
  return JSON.parse(out) as UploadFloodResult
}

/** GET `url` one request at a time on a keep-alive connection until `until` settles; latencies in ms and statuses. */
export async function sampleGets (url: string, until: Promise<unknown>, gapMs = 10): Promise<{ latencies: number[], statuses: Record<string, number> }> {
  let stop = false
  void until.finally(() => { stop = true })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  while (!stop) {
    const t = performance.now()
    const status = await new Promise<number>((resolve) => {
      const req = http.get(url, { agent, timeout: 30_000 }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => resolve(0))
    })
    latencies.push(performance.now() - t)
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1
    await new Promise(resolve => setTimeout(resolve, gapMs))
  }
  agent.destroy()
  return { latencies, statuses }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await uploadFlood(JSON.parse(process.argv[2]) as UploadFloodOptions)
  process.stdout.write(JSON.stringify(result))
}
