/**
 * Durable ingest through the REST API of one real node process, 1 KiB payloads: the batch endpoint
 * (1,000 records per request, 2 in flight; and the side-by-side harness's batches of 64, 64 in flight),
 * single-record requests with 64 in flight, and acknowledgement latency at a paced 1,000 records/s.
 *
 * Each figure is printed with the ceilings it is measured against, measured first in the same run
 * (ingest-ceilings.ts): a bare node:http server driven by the same client, Ed25519 signing, and
 * fdatasync in the data directory; and with the CPU it cost per record, in the node process (every
 * thread: the signing thread pool included) and in this client.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os, { availableParallelism } from 'node:os'
import path from 'node:path'
import http from 'node:http'
import { startNodeProcess } from '../../packages/testkit/src/node/index.js'
import { fdatasyncRate, signRates, startBareServer } from './ingest-ceilings.js'
import { cpuOf, cpuSince, type CpuSample } from './proc-cpu.js'
import { fmt, report, summary } from './stats.js'

const PAYLOAD = 'x'.repeat(1024)
const BATCH_GOAL = 40_000
const SINGLE_GOAL = 12_000

type Post = (pathname: string, body: string) => Promise<void>

/** POSTs with keep-alive connections, one per request in flight, as a real client pool would. */
function poster (baseUrl: string, token: string, agent: http.Agent): Post {
  return async (pathname, body) => {
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${baseUrl}${pathname}`, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, res => {
        res.resume()
        res.on('end', () => { res.statusCode === 201 ? resolve() : reject(new Error(`${pathname}: ${String(res.statusCode)}`)) })
      })
      req.on('error', reject)
      req.end(body)
    })
  }
}

interface Run {
  perSecond: number
  seconds: number
  units: number
  /** The server's CPU in the run: the process, its main thread, and by thread name. */
  server: CpuSample
  serverUsPerUnit: number
  clientUsPerUnit: number
}

/**
 * Closed loop: `inflight` workers send requests 0..requests-1 back to back. Rates and CPU are per
 * `unitsPerRequest` (records), CPU from /proc for the server process and process.cpuUsage here.
 */
async function closedLoop (serverPid: number, requests: number, inflight: number, unitsPerRequest: number, send: (i: number) => Promise<void>): Promise<Run> {
  let next = 0
  const server = cpuOf(serverPid)
  const client = process.cpuUsage()
  const started = performance.now()
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (next < requests) await send(next++)
  }))
  const seconds = (performance.now() - started) / 1000
  const units = requests * unitsPerRequest
  const used = process.cpuUsage(client)
  const cpu = cpuSince(serverPid, server)
  return {
    perSecond: units / seconds,
    seconds,
    units,
    server: cpu,
    serverUsPerUnit: (cpu.process * 1000) / units,
    clientUsPerUnit: (used.user + used.system) / units
  }
}

/**
 * CPU per record in the node (all threads, then the main thread, the sign worker and V8's helper
 * threads apart) and in this client, and how busy the node's main thread was: the event loop does
 * everything but signing, so near 100% it is the stage that bounds the rate.
 */
function cpuLine (name: string, run: Run): void {
  const us = (ms: number): string => fmt((ms * 1000) / run.units, 1)
  const threads = [...run.server.threads].filter(([thread, ms]) => thread !== 'MainThread' && ms > 0).map(([thread, ms]) => `${thread} ${us(ms)}`).join(', ')
  const busy = (run.server.main / 1000) / run.seconds
  console.log(`  ${name}: CPU per record ${us(run.server.process)} us in the node (main thread ${us(run.server.main)}${threads === '' ? '' : `, ${threads}`}), ${fmt(run.clientUsPerUnit, 1)} us in the client; node main thread ${fmt(busy * 100, 0)}% busy`)
}

/**
 * The figure against its ceilings, the last one the rate this machine's cores allow at the CPU per
 * record just measured (node and client together): a figure near it is bound by CPU, not by waiting.
 */
function ratioLine (figure: number, run: Run, ceilings: Array<[string, number]>): void {
  const cores = availableParallelism()
  const cpuBound = (cores * 1e6) / (run.serverUsPerUnit + run.clientUsPerUnit)
  const all: Array<[string, number]> = [...ceilings, [`${cores} cores at this CPU per record`, cpuBound]]
  console.log(`  against its ceilings: ${all.map(([name, c]) => `${fmt(figure / c, 2)}x of ${name} (${fmt(c, 0)}/s)`).join(', ')}`)
}

export async function run (): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-ingest-'))
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 })
  const singleBody = (i: number): string => JSON.stringify({ key: `single/${i}`, payload: PAYLOAD })
  try {
    // Ceilings, measured before the node starts so that nothing else of ours runs meanwhile.
    const syncs = await fdatasyncRate(dir)
    console.log(`ceiling: fdatasync of 1 KiB in the data directory's filesystem: ${fmt(syncs, 0)}/s (${fmt(1000 / syncs, 3)} ms each)`)
    const signing = await signRates()
    console.log(`ceiling: Ed25519 signing of record ids: ${fmt(signing.oneCore, 0)}/s on one core, ${fmt(signing.threadPool, 0)}/s on the libuv thread pool (as the node signs)`)
    let bareRate: number
    {
      const bare = await startBareServer()
      const post = poster(bare.url, 'unused', agent)
      try {
        const r = await closedLoop(bare.pid, 20_000, 64, 1, async i => { await post('/', singleBody(i)) })
        bareRate = r.perSecond
        console.log(`ceiling: bare node:http server (trivial handler, same client and 1 KiB bodies, 64 in flight): ${fmt(bareRate, 0)} requests/s`)
        cpuLine('bare server', r)
      } finally {
        await bare.stop()
        agent.destroy()
      }
    }

    const node = await startNodeProcess({ dataDir: path.join(dir, 'node'), env: { AETHEL_P2P_ENABLED: 'false', AETHEL_LOG_LEVEL: 'warn' } })
    const pid = node.child.pid ?? 0
    const post = poster(node.url, node.token, agent)
    const batchBody = (prefix: string, b: number, size: number): string =>
      JSON.stringify({ records: Array.from({ length: size }, (_, i) => ({ key: `${prefix}/${b}/${i}`, payload: PAYLOAD })) })
    try {
      {
        const r = await closedLoop(pid, 40, 2, 1000, async b => { await post('/api/lattice/records/batch', batchBody('batch', b, 1000)) })
        report('ingest, batch endpoint (1,000 records per request, 2 in flight)', r.perSecond, 'records/s', { value: BATCH_GOAL, better: 'higher' })
        cpuLine('batch', r)
        ratioLine(r.perSecond, r, [['signing on one core', signing.oneCore], ['signing on the thread pool', signing.threadPool]])
      }
      {
        // The side-by-side harness's row (issue 14): batches of 64 records, 64 requests in flight.
        const r = await closedLoop(pid, 320, 64, 64, async b => { await post('/api/lattice/records/batch', batchBody('harness', b, 64)) })
        report('ingest, batch endpoint (batches of 64), 64 in flight', r.perSecond, 'records/s', { value: BATCH_GOAL, better: 'higher' })
        cpuLine('batches of 64', r)
        ratioLine(r.perSecond, r, [['signing on one core', signing.oneCore], ['signing on the thread pool', signing.threadPool]])
      }
      {
        const r = await closedLoop(pid, 20_000, 64, 1, async i => { await post('/api/lattice/records', singleBody(i)) })
        report('ingest, single-record requests (64 in flight)', r.perSecond, 'records/s', { value: SINGLE_GOAL, better: 'higher' })
        cpuLine('single-record requests', r)
        // 64 in flight: a group commit holds at most 64 records, so fsyncs bound the rate at 64 per sync.
        ratioLine(r.perSecond, r, [['the bare HTTP server', bareRate], ['signing on one core', signing.oneCore], ['signing on the thread pool', signing.threadPool], ['64 records per fdatasync', syncs * 64]])
      }
      // Paced at 1,000 records/s for 5 s: acknowledgement latency.
      {
        const latencies: number[] = []
        const rate = 1000
        const total = 5000
        const started = performance.now()
        const inflight: Array<Promise<void>> = []
        for (let i = 0; i < total; i++) {
          const due = started + (i * 1000) / rate
          const wait = due - performance.now()
          if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait))
          inflight.push((async () => {
            const t0 = performance.now()
            await post('/api/lattice/records', JSON.stringify({ key: `paced/${i}`, payload: PAYLOAD }))
            latencies.push(performance.now() - t0)
          })())
        }
        await Promise.all(inflight)
        const s = summary(latencies)
        report('ack latency at 1,000 records/s, p50', s.p50, 'ms')
        report('ack latency at 1,000 records/s, p99', s.p99, 'ms', { value: 20, better: 'lower' })
      }
    } finally {
      await node.kill('SIGKILL')
    }
  } finally {
    agent.destroy()
    await rm(dir, { recursive: true, force: true })
  }
}
