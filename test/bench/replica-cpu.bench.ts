/**
 * CPU per record, 1 writer -> 2 replicas (real node processes, loopback, P2P gossip), 1 KiB records,
 * paced at 100 and 500 records/s (open loop), both replicas' changes feeds followed:
 *  - process CPU per record (/proc/PID/stat, every thread) of the writer and of each replica, and the
 *    main thread's share;
 *  - the floor measured in the same run: one Ed25519 verification + the replica's amortised share of
 *    an fdatasync (fsync time / records per group commit);
 *  - where the main thread's CPU goes, by stage, from `node --cpu-prof` profiles of a second, profiled
 *    run (test/bench/cpu-profile.ts): each stage's share of the sampled main-thread time, applied to the
 *    main thread's CPU per record of the first run (the profiler costs CPU of its own). BENCH_PROFILE=0
 *    skips the profiled run;
 *  - propagation ack on the writer -> record on both replicas' feeds, p50 / p99, and the achieved rate
 *    (the side-by-side harness's rows).
 */
import { generateKeyPairSync, sign, verify, randomBytes } from 'node:crypto'
import { closeSync, fdatasyncSync, openSync, readdirSync, writeSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import http from 'node:http'
import path from 'node:path'
import { startLattice, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { stageSplit } from './cpu-profile.js'
import { followChanges, metric, pacedWrites, recordWriter, until } from './lattice-client.js'
import { cpuOf, cpuSince, type CpuSample } from './proc-cpu.js'
import { fmt, report, summary } from './stats.js'

const PAYLOAD = 'x'.repeat(1024)
const SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 6)

/** One Ed25519 verification of a record's signed bytes (its 64-hex-char id), ms, on this thread. */
function verifyMs (): number {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const id = Buffer.from(randomBytes(32).toString('hex'))
  const sig = sign(null, id, privateKey)
  const n = 2000
  const t = performance.now()
  for (let i = 0; i < n; i++) if (!verify(null, id, publicKey, sig)) throw new Error('verify failed')
  return (performance.now() - t) / n
}

/** One 1 KiB write + fdatasync in `dir` (the nodes' file system), ms, median of 100. */
function fsyncMs (dir: string): number {
  const fd = openSync(path.join(dir, 'fsync-probe'), 'w')
  const block = Buffer.alloc(1024, 1)
  const times: number[] = []
  try {
    for (let i = 0; i < 100; i++) {
      const t = performance.now()
      writeSync(fd, block)
      fdatasyncSync(fd)
      times.push(performance.now() - t)
    }
  } finally {
    closeSync(fd)
  }
  return summary(times).p50
}

interface Phase { rate: number, fromUs: number, toUs: number, records: number, cpu: CpuSample[], perCommit: number[], lines: string[] }

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)

async function commitsAndWrites (node: NodeProcess): Promise<[number, number]> {
  return [await metric(node, 'lattice_ledger_commits_total'), await metric(node, 'lattice_ledger_writes_total')]
}

/** Catch-up traffic on a node: compressed bytes received, records applied, catch-ups avoided (heartbeats explained by records in flight). */
async function catchupCounters (node: NodeProcess): Promise<[number, number, number]> {
  return [await metric(node, 'lattice_catchup_bytes_total'), await metric(node, 'lattice_catchup_records_total'), await metric(node, 'lattice_sync_catchups_avoided_total')]
}

async function measure (profDir: string | undefined): Promise<{ phases: Phase[], floor: { verify: number, fsync: number }, pids: number[] }> {
  // info: the level a production node runs at
  const lattice = await startLattice(3, {
    env: { AETHEL_LOG_LEVEL: 'info' },
    // BENCH_NODE_OPTIONS: runtime flags for the nodes (e.g. GC settings to compare)
    nodeEnv: (i): Record<string, string> => {
      const flags = [process.env.BENCH_NODE_OPTIONS ?? '', profDir !== undefined ? `--cpu-prof --cpu-prof-dir=${path.join(profDir, String(i))}` : ''].filter(f => f !== '').join(' ')
      return flags === '' ? {} : { NODE_OPTIONS: flags }
    }
  })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const phases: Phase[] = []
  try {
    await until(async () => (await Promise.all(lattice.nodes.map(async n => (await n.api<{ peer_count: number }>('/api/lattice/p2p/status', { auth: false })).body.peer_count))).every(c => c === 2), 60_000, '3 nodes connected', 100)
    const [writer, ...replicas] = lattice.nodes
    const seen = replicas.map(() => new Map<string, number>())
    const stops = replicas.map((n, i) => followChanges(n, seen[i]))
    const write = recordWriter(writer, agent, PAYLOAD)
    // warm up (JIT: optimizing compiles run on V8Worker threads and would count as CPU per record; connections)
    await pacedWrites(write, 500, 2, 'warm')
    await new Promise(resolve => setTimeout(resolve, 500))
    const floor = { verify: verifyMs(), fsync: fsyncMs(lattice.dir) }
    // the fixed cost: heartbeats, pings, timers of a node with nothing to do
    const idleBefore = lattice.nodes.map(n => cpuOf(n.child.pid as number))
    await new Promise(resolve => setTimeout(resolve, 2000))
    const idle = lattice.nodes.map((n, i) => cpuSince(n.child.pid as number, idleBefore[i]).process / 2)
    for (const rate of [100, 500]) {
      const before = lattice.nodes.map(n => cpuOf(n.child.pid as number))
      const commits = await Promise.all(replicas.map(commitsAndWrites))
      const catchupsBefore = await Promise.all(replicas.map(catchupCounters))
      const fromUs = monotonicUs()
      const { written, started } = await pacedWrites(write, rate, SECONDS, `cpu/${rate}`)
      const lastAck = Math.max(...written.map(w => w.ack))
      await until(async () => written.every(w => seen.every(m => m.has(w.id))), 60_000, 'every record on both replicas', 10)
      const toUs = monotonicUs()
      const cpu = lattice.nodes.map((n, i) => cpuSince(n.child.pid as number, before[i]))
      const after = await Promise.all(replicas.map(commitsAndWrites))
      const catchups = (await Promise.all(replicas.map(catchupCounters))).map((c, i) => c.map((x, k) => x - catchupsBefore[i][k]))
      const payloadBytes = written.length * (PAYLOAD.length + 300) * replicas.length
      const perCommit = after.map(([c, w], i) => (w - commits[i][1]) / Math.max(1, c - commits[i][0]))
      const toBoth = summary(written.map(w => Math.max(0, Math.max(...seen.map(m => m.get(w.id) as number)) - w.ack)))
      phases.push({
        rate, fromUs, toUs, records: written.length, cpu, perCommit,
        lines: [
          `1 writer -> 2 replicas, ${rate} records/s target for ${SECONDS} s (${written.length} records of 1 KiB), load average ${os.loadavg()[0].toFixed(1)}:`,
          `  achieved rate (acknowledged): ${fmt(written.length / ((lastAck - started) / 1000), 0)} records/s`,
          `  ack on writer → on both replicas' changes feeds: p50 ${fmt(toBoth.p50, 2)} ms, p99 ${fmt(toBoth.p99, 2)} ms, max ${fmt(toBoth.max, 2)} ms`,
          `  CPU per record, writer / replica 1 / replica 2: ${cpu.map(c => fmt(c.process / written.length, 3)).join(' / ')} ms (main thread ${cpu.map(c => fmt(c.main / written.length, 3)).join(' / ')} ms)`,
          `  records per group commit on the replicas: ${perCommit.map(x => fmt(x, 1)).join(' / ')}`,
          `  idle CPU (heartbeats, pings, timers), writer / replicas: ${idle.map(x => fmt(x, 1)).join(' / ')} ms per second = ${idle.map(x => fmt(x / rate, 3)).join(' / ')} ms per record at this rate`,
          `  catch-ups during steady writing (both replicas): ${fmt(catchups.reduce((a, c) => a + c[0], 0) / 1024, 1)} KiB received (${fmt(100 * catchups.reduce((a, c) => a + c[0], 0) / payloadBytes, 1)}% of the records' ~1.3 KiB each), ${catchups.reduce((a, c) => a + c[1], 0)} records applied from them, ${catchups.reduce((a, c) => a + c[2], 0)} avoided (records in flight)`
        ]
      })
    }
    for (const s of stops) s()
    // SIGTERM: a clean exit writes the CPU profiles
    if (profDir !== undefined) await Promise.all(lattice.nodes.map(async n => await n.stop()))
    return { phases, floor, pids: lattice.nodes.map(n => n.child.pid as number) }
  } finally {
    agent.destroy()
    await lattice.destroy()
  }
}

export async function run (): Promise<void> {
  const { phases, floor } = await measure(undefined)
  for (const p of phases) {
    for (const line of p.lines) console.log(line)
    const replicaCpu = (p.cpu[1].process + p.cpu[2].process) / 2 / p.records
    const perCommit = (p.perCommit[0] + p.perCommit[1]) / 2
    const floorMs = floor.verify + floor.fsync / perCommit
    console.log(`  floor per record = Ed25519 verify ${fmt(floor.verify, 3)} ms + fdatasync ${fmt(floor.fsync, 3)} ms / ${fmt(perCommit, 1)} records per commit = ${fmt(floorMs, 3)} ms`)
    report('  replica CPU per record / floor', replicaCpu / floorMs, 'x', { value: 3, better: 'lower' })
    const names = [...new Set(p.cpu.flatMap(c => [...c.threads.keys()]))].filter(n => n !== 'MainThread')
    const thread = (c: CpuSample, name: string): number => (c.threads.get(name) ?? 0) / p.records
    console.log(`  CPU per record by thread (/proc; writer / replica mean, ms): ${names.filter(n => thread(p.cpu[0], n) + thread(p.cpu[1], n) > 0).map(n => `${n} ${fmt(thread(p.cpu[0], n), 3)} / ${fmt((thread(p.cpu[1], n) + thread(p.cpu[2], n)) / 2, 3)}`).join(', ')}`)
  }
  if (process.env.BENCH_PROFILE === '0') return
  const profDir = await mkdtemp(path.join(os.tmpdir(), 'bench-cpu-prof-'))
  const profiled = await measure(profDir)
  const files = profiled.pids.map((pid, i) => {
    const dir = path.join(profDir, String(i))
    const f = readdirSync(dir).find(x => x.includes(`.${String(pid)}.`) && x.endsWith('.cpuprofile'))
    return f === undefined ? undefined : path.join(dir, f)
  })
  for (const [k, p] of profiled.phases.entries()) {
    const splits = files.map(f => (f === undefined ? undefined : stageSplit(f, p.fromUs, p.toUs)))
    // shares of the profiled run's sampled main-thread time, applied to the unprofiled run's main-thread CPU
    const mainPerRecord = phases[k].cpu.map(c => c.main / phases[k].records)
    const per = (i: number, stage: string): number => {
      const s = splits[i]
      return s === undefined || s.busyMs === 0 ? 0 : (s.byStage.get(stage) ?? 0) / s.busyMs * mainPerRecord[i]
    }
    console.log(`main-thread CPU per record by stage at ${p.rate} records/s (ms; writer / replica mean; shares from --cpu-prof samples of a second run):`)
    const stages = new Set(splits.flatMap(s => [...(s?.byStage.keys() ?? [])]))
    const rows = [...stages].map(stage => ({ stage, writer: per(0, stage), replica: (per(1, stage) + per(2, stage)) / 2 })).sort((a, b) => b.replica - a.replica)
    for (const r of rows) console.log(`  ${r.stage.padEnd(46)} ${fmt(r.writer, 3).padStart(7)} / ${fmt(r.replica, 3)}`)
  }
  // BENCH_KEEP_PROFILES=1 keeps them for a closer look (e.g. Chrome DevTools)
  if (process.env.BENCH_KEEP_PROFILES === '1') console.log(`profiles kept in ${profDir}`)
  else await rm(profDir, { recursive: true, force: true })
}
