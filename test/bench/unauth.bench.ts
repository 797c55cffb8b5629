/**
 * GET /state latency while 64 clients upload 15 MB bodies without a token (issue 15: p99 under 50 ms).
 * The uploads run in a child process; the node answers 401 before reading a body and closes those
 * connections without reading the rest (node/src/api/unread-body.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { startNodeProcess } from '../../packages/testkit/src/node/index.js'
import { sampleGets, uploadFloodInChild } from '../support/upload-flood.js'
import { fmt, report, summary } from './stats.js'

export async function run (): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-unauth-'))
  const node = await startNodeProcess({ dataDir: dir, env: { AETHEL_P2P_ENABLED: 'false', AETHEL_LOG_LEVEL: 'warn' } })
  try {
    const idle = summary((await sampleGets(`${node.url}/api/lattice/state`, new Promise(resolve => setTimeout(resolve, 3000)))).latencies)
    const flood = uploadFloodInChild({ url: `${node.url}/api/lattice/records/batch`, clients: 64, bytes: 15 * 1024 * 1024, durationMs: 10_000 })
    const sampled = await sampleGets(`${node.url}/api/lattice/state`, flood)
    const result = await flood
    const during = summary(sampled.latencies)
    console.log(`64 unauthenticated 15 MB uploads for 10 s: ${result.uploads} uploads, answers ${JSON.stringify(result.statuses)}, ` +
      `${result.closed} with Connection: close, errors before the answer ${JSON.stringify(result.errorsBeforeAnswer)}, ${result.bodiesFullySent} bodies fully sent`)
    console.log(`GET /state idle: p50 ${fmt(idle.p50, 2)} ms, p99 ${fmt(idle.p99, 2)} ms (n ${idle.n})`)
    console.log(`GET /state during the uploads: p50 ${fmt(during.p50, 2)} ms, max ${fmt(during.max, 1)} ms (n ${during.n}, statuses ${JSON.stringify(sampled.statuses)})`)
    report('GET /state p99 during 64 unauthenticated 15 MB uploads', during.p99, 'ms', { value: 50, better: 'lower' })
  } finally {
    await node.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  }
}
