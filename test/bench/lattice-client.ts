/** Client side of the benchmarks on real node processes: paced writes and changes-feed followers. */
import http from 'node:http'
import type { NodeProcess } from '../../packages/testkit/src/node/index.js'

export interface Written { id: string, ack: number }

/** Follow a node's change feed; `seen` gets the local arrival time (ms, performance clock) per record id. */
export function followChanges (node: NodeProcess, seen: Map<string, number>): () => void {
  const req = http.get(`${node.url}/api/lattice/changes`, { headers: { authorization: `Bearer ${node.token}`, accept: 'text/event-stream' } }, res => {
    let buf = ''
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      const now = performance.now()
      buf += chunk
      let cut: number
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, cut)
        buf = buf.slice(cut + 2)
        const data = event.split('\n').find(x => x.startsWith('data: '))
        if (data === undefined) continue
        const rec = JSON.parse(data.slice(6)) as { id: string }
        if (!seen.has(rec.id)) seen.set(rec.id, now)
      }
    })
  })
  req.on('error', () => {})
  return () => { req.destroy() }
}

/** POST one record to `node`; resolves with its id and the acknowledgement time (performance clock). */
export function recordWriter (node: NodeProcess, agent: http.Agent, payload: string): (key: string) => Promise<Written> {
  return async (key) => await new Promise((resolve, reject) => {
    const body = JSON.stringify({ key, payload })
    const req = http.request(`${node.url}/api/lattice/records`, { method: 'POST', agent, headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => {
        const ack = performance.now()
        if (res.statusCode !== 201) { reject(new Error(`write ${String(res.statusCode)}`)); return }
        resolve({ id: (JSON.parse(text) as { id: string }).id, ack })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * Open loop: write `rate * seconds` records, each leaving at its scheduled time whether or not earlier
 * ones were acknowledged. Resolves once every write is acknowledged.
 */
export async function pacedWrites (write: (key: string) => Promise<Written>, rate: number, seconds: number, prefix: string): Promise<{ written: Written[], started: number }> {
  const total = rate * seconds
  const acks: Array<Promise<Written>> = []
  const started = performance.now()
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait))
    acks.push(write(`${prefix}/${i}`))
  }
  return { written: await Promise.all(acks), started }
}

export async function until (probe: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

/** Sum of a metric's samples in a node's /metrics (optionally only lines containing `label`). */
export async function metric (node: NodeProcess, name: string, label?: string): Promise<number> {
  const res = await fetch(`${node.url}/metrics`)
  const text = await res.text()
  let sum = 0
  for (const l of text.split('\n')) {
    if (l.startsWith(name) && (l[name.length] === ' ' || l[name.length] === '{') && (label === undefined || l.includes(label))) sum += Number(l.split(' ').at(-1))
  }
  return sum
}
