/**
 * Durable ingest through the REST API of one real node process, 1 KiB payloads: the batch endpoint,
 * single-record requests with 64 in flight, and acknowledgement latency at a paced 1,000 records/s.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import { startNodeProcess } from '../../packages/testkit/src/node/index.js'
import { report, summary } from './stats.js'

const PAYLOAD = 'x'.repeat(1024)

export async function run (): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-ingest-'))
  const node = await startNodeProcess({ dataDir: dir, env: { AETHEL_P2P_ENABLED: 'false', AETHEL_LOG_LEVEL: 'warn' } })
  // Keep-alive connections, one per request in flight, as a real client pool would.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 })
  const post = async (pathname: string, body: string): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${node.url}${pathname}`, { method: 'POST', agent, headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, res => {
        res.resume()
        res.on('end', () => { res.statusCode === 201 ? resolve() : reject(new Error(`${pathname}: ${String(res.statusCode)}`)) })
      })
      req.on('error', reject)
      req.end(body)
    })
  }
  try {
    // Batches of 1,000, two in flight, for ~40,000 records.
    {
      const batches = 40
      let next = 0
      const started = performance.now()
      await Promise.all(Array.from({ length: 2 }, async () => {
        while (next < batches) {
          const b = next++
          await post('/api/lattice/records/batch', JSON.stringify({ records: Array.from({ length: 1000 }, (_, i) => ({ key: `batch/${b}/${i}`, payload: PAYLOAD })) }))
        }
      }))
      const seconds = (performance.now() - started) / 1000
      report('ingest, batch endpoint (1,000 records per request, 2 in flight)', (batches * 1000) / seconds, 'records/s', { value: 10000, better: 'higher' })
    }
    // Single-record requests, 64 in flight.
    {
      const total = 20000
      let next = 0
      const started = performance.now()
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (next < total) {
          const i = next++
          await post('/api/lattice/records', JSON.stringify({ key: `single/${i}`, payload: PAYLOAD }))
        }
      }))
      const seconds = (performance.now() - started) / 1000
      report('ingest, single-record requests (64 in flight)', total / seconds, 'records/s', { value: 4000, better: 'higher' })
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
    agent.destroy()
    await node.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  }
}
