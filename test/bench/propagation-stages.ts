/**
 * Where propagation time goes, per record and receiving node, from the stage events the nodes publish
 * (node/src/util/record-trace.ts) and test/bench/stage-tracer.ts writes, plus the client's own
 * acknowledgement and feed arrival times. Every time is CLOCK_MONOTONIC (process.hrtime), shared by
 * the processes of one machine.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fmt, summary } from './stats.js'
import type { Written } from './lattice-client.js'

/** The environment that makes a node process write its stage trace into `dir`. */
export function stageTraceEnv (dir: string): Record<string, string> {
  return { NODE_OPTIONS: `--import=${new URL('./stage-tracer.js', import.meta.url).href}`, LATTICE_STAGE_TRACE_DIR: dir }
}

/** pid → stage → record id → ms (monotonic; the first event of each stage per record). */
export type StageTimes = Map<number, Map<string, Map<string, number>>>

export function readStageTraces (dir: string): StageTimes {
  const out: StageTimes = new Map()
  for (const f of readdirSync(dir).filter(x => x.endsWith('.trace'))) {
    const byStage = new Map<string, Map<string, number>>()
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const [stage, id, ns] = line.split(' ')
      if (ns === undefined) continue
      let m = byStage.get(stage)
      if (m === undefined) { m = new Map(); byStage.set(stage, m) }
      if (!m.has(id)) m.set(id, Number(BigInt(ns)) / 1e6)
    }
    out.set(Number(f.split('.')[0]), byStage)
  }
  return out
}

/** performance.now() of this process → monotonic ms (the clock of the traces). */
export function monotonicOffsetMs (): number {
  return Number(process.hrtime.bigint()) / 1e6 - performance.now()
}

/** Print p50 / p99 of each stage, over every (record, receiving node) pair. */
export function printPropagationStages (traces: StageTimes, originPid: number, receivers: Array<{ pid: number, seen: Map<string, number> }>, written: Written[], offsetMs: number): void {
  const o = traces.get(originPid)
  const at = (pid: number, stage: string, id: string): number | undefined => traces.get(pid)?.get(stage)?.get(id)
  const rows: Array<[string, number[]]> = [
    ['origin: committed → ack on the client (HTTP answer)', []],
    ['origin: committed → handed to gossipsub (publish queue)', []],
    ['origin: handed → gossipsub publish returned', []],
    ['gossipsub: handed on origin → received by the peer', []],
    ['peer: received → verified', []],
    ['peer: verified → committed (group commit)', []],
    ['peer: committed → written to the changes feed', []],
    ['feed: written → read by the client (socket)', []],
    ['total: ack on origin → read from the peer\'s feed', []]
  ]
  for (const w of written) {
    const committed = o?.get('committed')?.get(w.id)
    const handed = o?.get('handed')?.get(w.id)
    const sent = o?.get('sent')?.get(w.id)
    const ack = w.ack + offsetMs
    if (committed !== undefined) rows[0][1].push(ack - committed)
    if (committed !== undefined && handed !== undefined) rows[1][1].push(handed - committed)
    if (handed !== undefined && sent !== undefined) rows[2][1].push(sent - handed)
    for (const r of receivers) {
      const received = at(r.pid, 'received', w.id)
      const verified = at(r.pid, 'verified', w.id)
      const rCommitted = at(r.pid, 'committed', w.id)
      const feed = at(r.pid, 'feed', w.id)
      const seen = r.seen.get(w.id)
      if (handed !== undefined && received !== undefined) rows[3][1].push(received - handed)
      if (received !== undefined && verified !== undefined) rows[4][1].push(verified - received)
      if (verified !== undefined && rCommitted !== undefined) rows[5][1].push(rCommitted - verified)
      if (rCommitted !== undefined && feed !== undefined) rows[6][1].push(feed - rCommitted)
      if (feed !== undefined && seen !== undefined) rows[7][1].push(seen + offsetMs - feed)
      if (seen !== undefined) rows[8][1].push(seen - w.ack)
    }
  }
  console.log('  per stage, p50 / p99 (ms), over every (record, receiving node):')
  for (const [name, values] of rows) {
    const s = summary(values)
    console.log(`    ${name.padEnd(56)} ${fmt(s.p50, 2).padStart(6)} / ${fmt(s.p99, 2)}${values.length === 0 ? ' (no trace)' : ''}`)
  }
}
