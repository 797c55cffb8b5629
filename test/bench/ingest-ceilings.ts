/**
 * The ceilings durable ingest is measured against, measured in the same run on this machine:
 * - a bare node:http server's request rate (trivial handler, its own process, driven by the same client);
 * - Ed25519 signing of record ids (the node signs every record it writes): one core, and on the libuv
 *   thread pool as the node does it (node:crypto's callback form);
 * - fdatasync of a 1 KiB write in the data directory's filesystem (every group commit pays one).
 */
import { spawn } from 'node:child_process'
import { generateKeyPairSync, sign } from 'node:crypto'
import { open, rm } from 'node:fs/promises'
import path from 'node:path'

/** A server that reads each body and answers 201 with a small JSON document, nothing else. */
const BARE_SERVER = `
const http = require('node:http')
const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    const body = '{"ok":true}'
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': body.length })
    res.end(body)
  })
})
server.keepAliveTimeout = 65000
server.listen(0, '127.0.0.1', () => { process.stdout.write(String(server.address().port) + '\\n') })
`

export interface BareServer { url: string, pid: number, stop: () => Promise<void> }

/** Starts the bare server in its own process (as the node runs in its own), on a free loopback port. */
export async function startBareServer (): Promise<BareServer> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('\n')) resolve(Number(out.trim()))
    })
    child.once('exit', (code) => { reject(new Error(`bare server exited with ${String(code)}`)) })
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  return { url: `http://127.0.0.1:${port}`, pid: child.pid ?? 0, stop: async () => { child.kill('SIGKILL'); await exited } }
}

export interface SignRates { oneCore: number, threadPool: number }

/**
 * Ed25519 signatures per second over 64-hex-digit ids (what a record's sig covers): per CPU second on
 * one core, and per wall-clock second on the libuv thread pool (every core).
 */
export async function signRates (samples = 4000): Promise<SignRates> {
  const { privateKey } = generateKeyPairSync('ed25519')
  const ids = Array.from({ length: samples }, (_, i) => Buffer.from(String(i).padStart(64, '0')))
  // One core: signatures per CPU second of this thread (a busy machine preempts it; CPU time is what a core gives)
  const cpu = process.cpuUsage()
  for (const id of ids) sign(null, id, privateKey)
  const used = process.cpuUsage(cpu)
  const oneCore = samples / ((used.user + used.system) / 1e6)
  const t0 = performance.now()
  await Promise.all(ids.map(async id => await new Promise<void>((resolve, reject) => {
    sign(null, id, privateKey, (err) => { if (err != null) reject(err); else resolve() })
  })))
  const threadPool = samples / ((performance.now() - t0) / 1000)
  return { oneCore, threadPool }
}

/** 1 KiB write + fdatasync, back to back for about `ms`, in `dir`: syncs per second. */
export async function fdatasyncRate (dir: string, ms = 1000): Promise<number> {
  const file = path.join(dir, 'fdatasync-probe')
  const fh = await open(file, 'w')
  const block = Buffer.alloc(1024, 120)
  try {
    let n = 0
    const t0 = performance.now()
    while (performance.now() - t0 < ms) {
      await fh.write(block, 0, block.length, null)
      await fh.datasync()
      n++
    }
    return n / ((performance.now() - t0) / 1000)
  } finally {
    await fh.close()
    await rm(file, { force: true })
  }
}
