/**
 * Sync benchmarks on real node processes (loopback), 1 KiB payloads:
 *  1. gossip propagation across 5 nodes: write acknowledged on the origin → applied on every other node
 *     (seen on each node's /api/lattice/changes feed), paced at 100 and 500 records/s;
 *  2. failover (last peer lost → HTTP sync on) and recovery (peer back → P2P mode) against the
 *     configured peerless timeout and heartbeat, from the nodes' own transition timestamps;
 *  3. convergence after a partition (default 30 s, BENCH_PARTITION_S) with writes on both sides:
 *     time from healing to equal roots, and the sync bytes it took;
 *  4. catch-up of 10,000 records from process start (a restart after missing them; a fresh node joining two
 *     peers that hold them): time to equal roots with the node's own breakdown, bytes received per record,
 *     and the verification floor measured in the same run (BENCH_CPU_PROF=dir: CPU profile of the catching-up node).
 * BENCH_SYNC=gossip,failover,partition,catchup picks sections.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import http from 'node:http'
import os, { loadavg } from 'node:os'
import path from 'node:path'
import { startLattice, type Lattice, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { followChanges as follow, metric, pacedWrites, recordWriter, until } from './lattice-client.js'
import { monotonicOffsetMs, printPropagationStages, readStageTraces, stageTraceEnv } from './propagation-stages.js'
import { cpuOf } from './proc-cpu.js'
import { stageSplit } from './cpu-profile.js'
import { fmt, report, summary } from './stats.js'

/** CLOCK_MONOTONIC in us: the clock of --cpu-prof timestamps on Linux. */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)

const PAYLOAD = 'x'.repeat(1024)

/** About 1 KiB of JSON that compresses like real data (structure, words, 600 random bytes), for byte counts. */
function realisticPayload (i: number): Record<string, unknown> {
  return { invoice: `INV-${String(i).padStart(8, '0')}`, amount: (i * 37) % 100000 / 100, currency: 'EUR', memo: 'settlement of the monthly service agreement', blob: randomBytes(600).toString('base64') }
}

interface Status { peer_count: number, mode: string, http_sync_enabled: boolean }

async function status (node: NodeProcess): Promise<Status> {
  return (await node.api<Status>('/api/lattice/p2p/status', { auth: false })).body
}

async function propagation (): Promise<void> {
  // BENCH_STAGES=0: without the per-stage trace (each node then runs nothing extra)
  const traceDir = process.env.BENCH_STAGES === '0' ? undefined : await mkdtemp(path.join(os.tmpdir(), 'bench-stages-'))
  const lattice = await startLattice(5, { env: { AETHEL_LOG_LEVEL: 'warn', ...(traceDir !== undefined ? stageTraceEnv(traceDir) : {}) } })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  try {
    await until(async () => (await Promise.all(lattice.nodes.map(status))).every(s => s.peer_count === 4), 60_000, '5 nodes connected', 100)
    const [origin, ...others] = lattice.nodes
    const seen = others.map(() => new Map<string, number>())
    const stops = others.map((n, i) => follow(n, seen[i]))
    await new Promise(resolve => setTimeout(resolve, 500))
    const write = recordWriter(origin, agent, PAYLOAD)

    for (const [rate, seconds] of [[100, 10], [500, 10]] as const) {
      const total = rate * seconds
      const { written } = await pacedWrites(write, rate, seconds, `bench/${rate}`)
      await until(async () => written.every(w => seen.every(m => m.has(w.id))), 60_000, 'every record on every node', 50)
      const toAll = written.map(w => Math.max(0, Math.max(...seen.map(m => m.get(w.id) as number)) - w.ack))
      const perNode = written.flatMap(w => seen.map(m => Math.max(0, (m.get(w.id) as number) - w.ack)))
      const all = summary(toAll)
      const each = summary(perNode)
      console.log(`gossip, 5 nodes, ${rate} records/s for ${seconds} s (${total} records):`)
      report(`  ack on origin → applied on every other node, p50`, all.p50, 'ms')
      report(`  ack on origin → applied on every other node, p99`, all.p99, 'ms', { value: rate >= 500 ? 20 : 6, better: 'lower' })
      report(`  ack on origin → applied on one other node, p50 / p99 / max`, each.p50, `ms / ${fmt(each.p99, 2)} ms / ${fmt(each.max, 2)} ms`)
      if (traceDir !== undefined) {
        await new Promise(resolve => setTimeout(resolve, 300)) // the tracers flush every 100 ms
        printPropagationStages(readStageTraces(traceDir), origin.child.pid as number, others.map((n, i) => ({ pid: n.child.pid as number, seen: seen[i] })), written, monotonicOffsetMs())
      }
    }
    for (const s of stops) s()
  } finally {
    agent.destroy()
    await lattice.destroy()
    if (traceDir !== undefined) await rm(traceDir, { recursive: true, force: true })
  }
}

async function failover (): Promise<void> {
  const heartbeatS = Number(process.env.BENCH_HEARTBEAT_S ?? 1)
  const peerlessS = Number(process.env.BENCH_PEERLESS_S ?? 3)
  const lattice = await startLattice(3, { env: { AETHEL_LOG_LEVEL: 'warn', AETHEL_HEARTBEAT_INTERVAL: String(heartbeatS), AETHEL_PEERLESS_TIMEOUT: String(peerlessS), AETHEL_HTTP_POLL_INTERVAL: '1' } })
  try {
    await until(async () => (await Promise.all(lattice.nodes.map(status))).every(s => s.peer_count === 2 && s.mode === 'P2P'), 60_000, 'connected', 100)
    const node = lattice.nodes[2]
    const fo: number[] = []
    const rec: number[] = []
    for (let round = 0; round < 3; round++) {
      const lost = Date.now()
      await node.api('/api/lattice/sync/p2p?enabled=false', { method: 'POST' })
      await until(async () => (await status(node)).http_sync_enabled, 60_000, 'failover')
      fo.push(await metric(node, 'lattice_sync_last_failover_timestamp_seconds') * 1000 - lost)
      const back = Date.now()
      await node.api('/api/lattice/sync/p2p?enabled=true', { method: 'POST' })
      await until(async () => { const s = await status(node); return s.mode === 'P2P' && !s.http_sync_enabled }, 60_000, 'recovery')
      rec.push(await metric(node, 'lattice_sync_last_recovery_timestamp_seconds') * 1000 - back)
    }
    const f = summary(fo)
    const r = summary(rec)
    console.log(`failover / recovery, peerless timeout ${peerlessS} s, heartbeat ${heartbeatS} s, 3 rounds (cut = libp2p stopped on one node):`)
    report('  failover: last peer lost → HTTP sync on, worst', f.max / 1000, 's', { value: peerlessS + 1, better: 'lower' })
    report('  failover beyond the timeout, worst', f.max - peerlessS * 1000, 'ms', { value: 1000, better: 'lower' })
    report('  recovery: P2P restarted → P2P mode, HTTP off, worst', r.max, 'ms', { value: heartbeatS * 1000, better: 'lower' })
    console.log(`  rounds: failover ${fo.map(x => fmt(x / 1000, 2)).join(', ')} s; recovery ${rec.map(x => fmt(x, 0)).join(', ')} ms`)
  } finally {
    await lattice.destroy()
  }
}

async function partition (): Promise<void> {
  const seconds = Number(process.env.BENCH_PARTITION_S ?? 30)
  const lattice: Lattice = await startLattice(3, { env: { AETHEL_LOG_LEVEL: 'warn', AETHEL_HEARTBEAT_INTERVAL: '1', AETHEL_PEERLESS_TIMEOUT: '5', AETHEL_HTTP_POLL_INTERVAL: '1' } })
  try {
    await until(async () => (await Promise.all(lattice.nodes.map(status))).every(s => s.peer_count === 2), 60_000, 'connected', 100)
    const [a, , isolated] = lattice.nodes
    // isolate one node completely: no libp2p, and p2p mode so it does not fall back to HTTP either
    await isolated.api('/api/lattice/sync/switch?mode=p2p', { method: 'POST' })
    await isolated.api('/api/lattice/sync/p2p?enabled=false', { method: 'POST' })
    const bytesBefore = (await Promise.all(lattice.nodes.map(async n => await metric(n, 'lattice_catchup_bytes_total')))).reduce((x, y) => x + y, 0)
    const end = Date.now() + seconds * 1000
    let written = 0
    // 50 records/s on the majority side, 20 records/s on the isolated node, in batches every 200 ms
    while (Date.now() < end) {
      const tick = Date.now()
      await Promise.all([
        a.api('/api/lattice/records/batch', { method: 'POST', body: { records: Array.from({ length: 10 }, (_, i) => ({ key: `p/a/${written}/${i}`, payload: realisticPayload(written * 10 + i) })) } }),
        isolated.api('/api/lattice/records/batch', { method: 'POST', body: { records: Array.from({ length: 4 }, (_, i) => ({ key: `p/i/${written}/${i}`, payload: realisticPayload(written * 4 + i) })) } })
      ])
      written++
      const wait = 200 - (Date.now() - tick)
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    }
    const healed = performance.now()
    await isolated.api('/api/lattice/sync/p2p?enabled=true', { method: 'POST' })
    await isolated.api('/api/lattice/sync/switch?mode=auto', { method: 'POST' })
    await until(async () => {
      const roots = await Promise.all(lattice.nodes.map(async n => (await n.api<{ merkle_root: string }>('/api/lattice/state', { auth: false })).body.merkle_root))
      return new Set(roots).size === 1
    }, 120_000, 'equal roots', 20)
    const took = performance.now() - healed
    const bytesAfter = (await Promise.all(lattice.nodes.map(async n => await metric(n, 'lattice_catchup_bytes_total')))).reduce((x, y) => x + y, 0)
    console.log(`partition of ${seconds} s (one node isolated, ${written * 10} records on the majority, ${written * 4} on the isolated node):`)
    report('  heal → equal roots on all 3 nodes', took, 'ms')
    report('  sync bytes received to converge (all nodes)', (bytesAfter - bytesBefore) / 1024, 'KiB')
    report('  per record exchanged (1 KiB payloads: JSON structure + 600 random bytes)', (bytesAfter - bytesBefore) / 1024 / (written * 10 + 2 * written * 4), 'KiB', { value: 0.9, better: 'lower' })
  } finally {
    await lattice.destroy()
  }
}

/** The catching-up node's log lines (JSON, one per line) with this message. */
function logLines (node: NodeProcess, message: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (const line of node.logs().split('\n')) {
    if (!line.includes(`"${message}"`)) continue
    try {
      const entry = JSON.parse(line) as Record<string, unknown>
      if (entry.message === message) out.push(entry)
    } catch {}
  }
  return out
}

/** The node's root, or undefined while it is not serving yet (spawned, still opening). */
async function rootOf (node: NodeProcess): Promise<string | undefined> {
  try {
    const res = await node.api<{ merkle_root: string }>('/api/lattice/state', { auth: false })
    return res.status === 200 ? res.body.merkle_root : undefined
  } catch {
    return undefined
  }
}

/** Ed25519 verifications per second of 1 KiB-record ids on one core and on two worker threads, measured now. */
async function verifyFloor (): Promise<{ oneCore: number, twoThreads: number }> {
  const { verifyRate } = await import('./verify-floor.js')
  return await verifyRate()
}

/**
 * Spawn `node` (restart on its data dir) and wait for its root to equal `root`. Returns the spawn →
 * equal roots time and the breakdown the node logs (libp2p started, each P2P catch-up's stages).
 */
async function catchUpFromStart (restart: () => Promise<NodeProcess>, root: string): Promise<{ node: NodeProcess, totalMs: number, stages: Array<[string, number]>, cpuMs: number, threadsMs: Map<string, number>, window: { fromUs: number, toUs: number } }> {
  const spawned = Date.now()
  const started = performance.now()
  const fromUs = monotonicUs()
  const node = await restart()
  // Polling the node's HTTP API every few ms would cost it CPU while it catches up: watch its log for
  // the end of a P2P catch-up (the log's timestamp is the end), and poll its root only now and then
  // (the end of an HTTP catch-up, or the confirmation).
  let totalMs = NaN
  let polled = 0
  await until(async () => {
    const ends = logLines(node, 'p2p catch-up')
    const now = performance.now()
    if (ends.length === 0 && now - polled < 200) return false
    polled = now
    if (await rootOf(node) !== root) return false
    totalMs = ends.length > 0 ? Date.parse(String(ends.at(-1)?.timestamp)) - spawned : performance.now() - started
    return true
  }, 120_000, 'equal roots', 5)
  const cpuMs = processCpuMs(node.child.pid)
  const threadsMs = node.child.pid === undefined ? new Map<string, number>() : cpuOf(node.child.pid).threads
  const window = { fromUs, toUs: fromUs + totalMs * 1000 }
  const at = (e: Record<string, unknown> | undefined): number => e === undefined ? NaN : Date.parse(String(e.timestamp)) - spawned
  const catchups = logLines(node, 'p2p catch-up')
  const first = catchups[0]
  const sum = (field: string): number => catchups.reduce((s, e) => s + Number(e[field] ?? 0), 0)
  const stages: Array<[string, number]> = [
    ['process start → libp2p listening', at(logLines(node, 'libp2p started')[0])],
    ['process start → first catch-up requested (connected)', first === undefined ? NaN : at(first) - Number(first.duration_ms ?? NaN)],
    ['request → first batch received', Number(first?.first_batch_ms ?? NaN)],
    ['catch-ups (first request → last batch applied), summed', sum('duration_ms')],
    ['  receiving + decoding (brotli, JSON), summed over batches', sum('decode_ms')],
    ['  verifying (shape, id, signature), summed over batches', sum('verify_ms')],
    ['  committing (SQLite, Merkle), summed over batches', sum('commit_ms')],
    ['main thread busy during the catch-ups (event loop utilization, %)', Number(first?.event_loop_utilization ?? NaN) * 100],
    ['catch-ups run', catchups.length]
  ]
  return { node, totalMs, stages, cpuMs, threadsMs, window }
}

function processCpuMs (pid: number | undefined): number {
  return pid === undefined ? NaN : cpuOf(pid).process
}

/** The catching-up node's main thread by stage (from its --cpu-prof profile), spawn → equal roots. */
async function printProfileSplit (dir: string, pid: number | undefined, window: { fromUs: number, toUs: number }, records: number): Promise<void> {
  const file = (await readdir(dir)).find(f => f.includes(`.${String(pid)}.0.`))
  if (file === undefined) return
  const split = stageSplit(path.join(dir, file), window.fromUs, window.toUs)
  console.log(`  main thread of the catching-up node by stage, spawn → equal roots (us per record, --cpu-prof samples; busy ${fmt(split.busyMs, 0)} ms):`)
  for (const [stage, ms] of [...split.byStage].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`    ${stage}: ${fmt(ms * 1000 / records, 1)}`)
}

function printStages (stages: Array<[string, number]>): void {
  for (const [name, ms] of stages) {
    if (name === 'catch-ups run') console.log(`  ${name}: ${ms}`)
    else if (name.endsWith('%)')) console.log(`  ${name}: ${fmt(ms, 0)}`)
    else if (!Number.isNaN(ms)) report(`  ${name}`, ms, 'ms')
  }
}

async function writeRecords (node: NodeProcess, count: number, prefix: string): Promise<number> {
  let bytes = 0
  for (let done = 0; done < count; done += 1000) {
    const res = await node.api<{ records: unknown[] }>('/api/lattice/records/batch', { method: 'POST', body: { records: Array.from({ length: 1000 }, (_, i) => ({ key: `${prefix}/${done + i}`, payload: realisticPayload(done + i) })) } })
    for (const r of res.body.records) bytes += Buffer.byteLength(JSON.stringify(r))
  }
  return bytes
}

async function stateOf (node: NodeProcess): Promise<{ merkle_root: string, record_count: number }> {
  return (await node.api<{ merkle_root: string, record_count: number }>('/api/lattice/state', { auth: false })).body
}

/**
 * Catch-up of 10,000 records, measured from process start (spawn) to equal roots: a node restarts
 * after missing them, and a fresh node joins two peers that both hold them. A restarted node is
 * ready only after it caught up (own head), so "connected → equal roots" alone would hide most of it.
 */
async function catchup (): Promise<void> {
  const missing = 10_000
  const floor = await verifyFloor()
  console.log(`catch-up of ${missing} records (1 KiB payloads), from process start; load ${loadavg().map(l => fmt(l, 2)).join(' ')}:`)
  report('  verify floor: Ed25519 verifications on one core', floor.oneCore, '/s')
  report('  verify floor: on two worker threads', floor.twoThreads, '/s')
  report(`  verify floor: ${missing} records on two threads`, missing / floor.twoThreads * 1000, 'ms')
  const env = { AETHEL_LOG_LEVEL: 'warn', AETHEL_PEERLESS_TIMEOUT: '120' }
  const profile = process.env.BENCH_CPU_PROF
  // node 1 catches up (its log has the breakdown); with BENCH_CPU_PROF every node writes a profile (file names carry the pid)
  const nodeEnv = (i: number): Record<string, string> => ({ ...(i === 1 ? { AETHEL_LOG_LEVEL: 'info' } : {}), ...(profile !== undefined ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profile}` } : {}) })
  {
    const lattice = await startLattice(2, { env, nodeEnv })
    try {
      await until(async () => (await Promise.all(lattice.nodes.map(status))).every(s => s.peer_count === 1), 60_000, 'connected', 100)
      const [a, b] = lattice.nodes
      await b.stop()
      const bytes = await writeRecords(a, missing, 'c')
      const { merkle_root: root } = await stateOf(a)
      const serverCpu = processCpuMs(a.child.pid)
      const run = await catchUpFromStart(async () => await b.restart({ waitReady: false }), root)
      const servedCpuMs = processCpuMs(a.child.pid) - serverCpu
      lattice.replace(1, run.node)
      const received = await metric(run.node, 'lattice_catchup_bytes_total')
      console.log(`  a node restarted after missing them, 1 peer (load ${loadavg().map(l => fmt(l, 2)).join(' ')}):`)
      report('  process start → equal roots', run.totalMs / 1000, 's', { value: 0.5, better: 'lower' })
      printStages(run.stages)
      report('  CPU of the catching-up process (start included) per record', run.cpuMs * 1000 / missing, 'us')
      console.log(`    by thread (us per record): ${[...run.threadsMs].sort((x, y) => y[1] - x[1]).filter(([, ms]) => ms > 0).map(([name, ms]) => `${name} ${fmt(ms * 1000 / missing, 0)}`).join(', ')}`)
      report('  CPU of the serving peer meanwhile per record', servedCpuMs * 1000 / missing, 'us')
      if (profile !== undefined) console.log(`  profiles in ${profile}: catching up pid ${String(run.node.child.pid)}, serving pid ${String(a.child.pid)}`)
      report('  received per record', received / missing / 1024, 'KiB', { value: 0.9, better: 'lower' })
      report('  received / records as JSON', received / bytes, 'x', { value: 1.5, better: 'lower' })
      if (profile !== undefined) {
        await Promise.all([run.node.stop(), a.stop()])
        await printProfileSplit(profile, run.node.child.pid, run.window, missing)
      }
    } finally {
      await lattice.destroy()
    }
  }
  if (process.env.BENCH_CATCHUP_FRESH === '0') return
  {
    // Side by side with the harness row: a fresh node joins two peers that both hold the records.
    const lattice = await startLattice(3, { env, nodeEnv: (i) => nodeEnv(i === 2 ? 1 : 0) })
    try {
      await until(async () => (await Promise.all(lattice.nodes.map(status))).every(s => s.peer_count === 2), 60_000, 'connected', 100)
      const [a, c, fresh] = lattice.nodes
      await fresh.stop()
      // a fresh ledger on the same identity (the peers know it as a member)
      await Promise.all((await readdir(fresh.dataDir)).filter(f => f !== 'identity.key' && f !== 'test-api-token').map(async f => await rm(path.join(fresh.dataDir, f), { recursive: true, force: true })))
      await writeRecords(a, missing, 'f')
      const { merkle_root: root } = await stateOf(a)
      await until(async () => await rootOf(c) === root, 120_000, 'the second peer holds them too', 50)
      const run = await catchUpFromStart(async () => await fresh.restart({ waitReady: false }), root)
      lattice.replace(2, run.node)
      const received = await metric(run.node, 'lattice_catchup_bytes_total')
      console.log(`  a fresh node joining two peers that both hold them (load ${loadavg().map(l => fmt(l, 2)).join(' ')}):`)
      report('  process start → equal roots', run.totalMs / 1000, 's', { value: 0.5, better: 'lower' })
      printStages(run.stages)
      report('  received per record (from both peers)', received / missing / 1024, 'KiB', { value: 0.9, better: 'lower' })
      if (profile !== undefined) {
        await run.node.stop()
        await printProfileSplit(profile, run.node.child.pid, run.window, missing)
      }
    } finally {
      await lattice.destroy()
    }
  }
}

export async function run (): Promise<void> {
  const only = process.env.BENCH_SYNC
  if (only === undefined || only.includes('gossip')) await propagation()
  if (only === undefined || only.includes('failover')) await failover()
  if (only === undefined || only.includes('partition')) await partition()
  if (only === undefined || only.includes('catchup')) await catchup()
}
