/**
 * What an idle node costs as the network grows: N real node processes (bounded neighbour sets past
 * eight nodes, as the operator gives them), one record written by each (so heartbeats carry an n-origin vector), then nothing; per node over BENCH_IDLE_SECONDS (default
 * 20): process CPU (/proc) and P2P egress (the kernel's per-socket counters), and where node 0's
 * main-thread CPU goes by stage (`node --cpu-prof`, test/bench/cpu-profile.ts; node 0 is left out of
 * the CPU figures since profiling costs CPU of its own). BENCH_IDLE_NODES=12,30 picks the sizes.
 */
import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { startLattice, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { neighbourPositions } from '../../packages/contracts/src/p2p-topology.js'
import { until } from './lattice-client.js'
import { stageSplit } from './cpu-profile.js'
import { p2pBytesSent } from './p2p-egress.js'
import { cpuOf, cpuSince } from './proc-cpu.js'
import { fmt, report, summary } from './stats.js'

interface Status { peer_count: number, mode: string, peers: Array<{ last_heartbeat: string | null }> }

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)

async function connected (nodes: NodeProcess[], n: number): Promise<boolean> {
  const all = await Promise.all(nodes.map(async node => (await node.api<Status>('/api/lattice/p2p/status', { auth: false })).body))
  return all.every((s, i) => s.mode === 'P2P' && s.peer_count >= neighbourPositions(n, i).length && s.peers.every(p => p.last_heartbeat !== null))
}

async function idle (n: number, seconds: number): Promise<void> {
  const profDir = await mkdtemp(path.join(os.tmpdir(), 'bench-idle-prof-'))
  const lattice = await startLattice(n, {
    // as the scale bench: fresh ledgers, heartbeats at the default interval, info logs off
    env: { AETHEL_LOG_LEVEL: 'warn', AETHEL_PEERLESS_TIMEOUT: '120', AETHEL_OWN_HEAD_TIMEOUT: '0' },
    nodeEnv: (i): Record<string, string> => (i === 0 ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` } : {}),
    bootstrap: neighbourPositions,
    startConcurrency: 3
  })
  try {
    await until(async () => await connected(lattice.nodes, n).catch(() => false), 300_000, `${n} nodes connected`, 500)
    // one record from every node: heartbeats carry a version vector with every origin, as in a network
    // whose nodes all write
    for (const node of lattice.nodes) await node.api('/api/lattice/records', { method: 'POST', body: { key: `idle/${node.p2pPort}`, payload: 'x' } })
    await until(async () => await connected(lattice.nodes, n).catch(() => false) && (await Promise.all(lattice.nodes.map(async node => (await node.api<{ record_count: number }>('/api/lattice/state', { auth: false })).body.record_count))).every(c => c === n), 120_000, `${n} records on every node`, 500)
    // settle: the last nodes' first catch-ups and the meshes' first grafts, and the heartbeats that
    // still carry the vector after its last change (heartbeat.ts carriesVector: three at 5 s)
    await new Promise(resolve => setTimeout(resolve, 16_000))
    const pids = lattice.nodes.map(node => node.child.pid as number)
    const bytesBefore = p2pBytesSent(lattice.nodes)
    const cpuBefore = pids.map(pid => cpuOf(pid))
    const fromUs = monotonicUs()
    await new Promise(resolve => setTimeout(resolve, seconds * 1000))
    const toUs = monotonicUs()
    const cpu = pids.map((pid, i) => cpuSince(pid, cpuBefore[i]))
    const bytesAfter = p2pBytesSent(lattice.nodes)
    const s = (toUs - fromUs) / 1e6
    const cpuPerS = cpu.slice(1).map(c => c.process / s)
    const mainPerS = cpu.slice(1).map(c => c.main / s)
    const egress = pids.map(pid => ((bytesAfter.get(pid) ?? 0) - (bytesBefore.get(pid) ?? 0)) / s / 1024)
    const c = summary(cpuPerS)
    const e = summary(egress)
    console.log(`${n} idle nodes, ${fmt(s, 1)} s, load ${os.loadavg().map(l => fmt(l, 1)).join(' ')}:`)
    report('  idle CPU per node, mean (ms of CPU per s)', cpuPerS.reduce((a, b) => a + b, 0) / cpuPerS.length, `ms/s (p50 ${fmt(c.p50, 1)}, max ${fmt(c.max, 1)}; main thread ${fmt(mainPerS.reduce((a, b) => a + b, 0) / mainPerS.length, 1)})`)
    report('  idle P2P egress per node, mean', egress.reduce((a, b) => a + b, 0) / egress.length, `KiB/s (p50 ${fmt(e.p50, 1)}, max ${fmt(e.max, 1)})`)
    report('  idle CPU of all node processes', cpuPerS.reduce((a, b) => a + b, 0) * n / (n - 1) / 1000, `cores (of ${os.cpus().length})`)
    await lattice.nodes[0].stop()
    const file = readdirSync(profDir).find(f => f.endsWith('.cpuprofile'))
    if (file !== undefined) {
      const split = stageSplit(path.join(profDir, file), fromUs, toUs)
      console.log(`  node 0's main thread by stage (--cpu-prof; busy ${fmt(split.busyMs / s, 1)} ms/s):`)
      for (const [stage, ms] of [...split.byStage].sort((a, b) => b[1] - a[1])) console.log(`    ${stage.padEnd(46)} ${fmt(ms / s, 2)} ms/s`)
    }
  } finally {
    await lattice.destroy()
    if (process.env.BENCH_KEEP_PROFILES === '1') console.log(`profiles kept in ${profDir}`)
    else await rm(profDir, { recursive: true, force: true })
  }
}

export async function run (): Promise<void> {
  const sizes = (process.env.BENCH_IDLE_NODES ?? '12,30').split(',').map(Number)
  const seconds = Number(process.env.BENCH_IDLE_SECONDS ?? 20)
  for (const n of sizes) await idle(n, seconds)
}
