/**
 * The changes feed under slow clients: feeds that never read cost a socket buffer each, not the
 * ledger (the node pauses them and reads what they missed from the ledger once they drain), and a
 * paused client that resumes still gets every record exactly once, in order.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import http from 'node:http'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startStandaloneNode, type NodeProcess } from '../../packages/testkit/src/node/index.js'

const FEEDS = 200
const RECORDS = 20_000
const BATCH = 500
const RSS_LIMIT_MB = 400

async function rssMb (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

/** An open feed whose reader is paused from the first byte on. */
function openPausedFeed (node: NodeProcess, cursor: number): Promise<http.IncomingMessage> {
  const url = new URL(`${node.url}/api/lattice/changes?cursor=${cursor}`)
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, agent: false, headers: { authorization: `Bearer ${node.token}` } }, (res) => {
      res.pause()
      resolve(res)
    })
    req.on('error', reject)
  })
}

describe('changes feed back-pressure', () => {
  let node: Awaited<ReturnType<typeof startStandaloneNode>>
  const feeds: http.IncomingMessage[] = []

  beforeAll(async () => { node = await startStandaloneNode('feed-') })
  afterAll(async () => {
    for (const f of feeds) f.destroy()
    await node?.destroy()
  })

  it(`${FEEDS} feeds that never read, ${RECORDS} records written: memory stays bounded and a resumed feed misses nothing`, async () => {
    for (let i = 0; i < FEEDS; i++) feeds.push(await openPausedFeed(node, 0))
    const pid = node.child.pid!
    let peak = await rssMb(pid)
    const payload = 'x'.repeat(1000)
    for (let written = 0; written < RECORDS; written += BATCH) {
      const res = await node.api<{ records: unknown[] }>('/api/lattice/records/batch', { body: { records: Array.from({ length: BATCH }, (_, i) => ({ key: `feed/${written + i}`, payload })) } })
      expect(res.status).toBe(201)
      peak = Math.max(peak, await rssMb(pid))
    }
    // The writes are acknowledged; give the feeds' pumps a moment of work and sample again.
    for (let i = 0; i < 10; i++) { peak = Math.max(peak, await rssMb(pid)); await new Promise(resolve => setImmediate(resolve)) }
    process.stdout.write(`changes feed: ${FEEDS} paused feeds, ${RECORDS} records, peak RSS ${Math.round(peak)} MB\n`)
    expect(peak).toBeLessThan(RSS_LIMIT_MB)
    expect(node.child.exitCode).toBeNull()
    expect((await node.api('/api/lattice/state')).status).toBe(200)

    // One paused feed resumes: every record from cursor 0 on, each once, in lsn order.
    const feed = feeds[0]
    let text = ''
    let last = 0
    const lsns: number[] = []
    feed.setEncoding('utf8')
    feed.on('data', (chunk: string) => {
      text += chunk
      const events = text.split('\n\n')
      text = events.pop() ?? ''
      for (const e of events) {
        const id = /^id: (\d+)$/m.exec(e)?.[1]
        if (id !== undefined) { lsns.push(Number(id)); last = Number(id) }
      }
    })
    feed.resume()
    await waitFor(`the resumed feed reached lsn ${RECORDS}`, () => last >= RECORDS, { timeoutMs: 120_000 })
    expect(lsns.length).toBe(RECORDS)
    expect(lsns.every((lsn, i) => lsn === i + 1)).toBe(true)
  }, 300_000)
})
