/**
 * A network past eight nodes (packages/contracts p2p-topology.ts): 30 and 50 real node processes on this
 * machine, each given its bounded neighbour set as bootstrap peers (as the operator's peers file does),
 * gossipsub relaying along a mesh of degree 4. 1 KiB payloads.
 *  1. propagation: one origin at paced rates (100 records/s for 5 s, 5 records/s for 20 s, or
 *     BENCH_SCALE_RATES=rate:seconds,...), write acknowledged on
 *     the origin → on every other node's /api/lattice/changes feed, p50/p99;
 *  2. egress per node: TCP bytes each node process sent on its P2P connections (the kernel's per-socket
 *     bytes_sent, `ss -tinp`, sockets whose local or remote port is a node's P2P port), against the
 *     payload rate (records/s x 1 KiB), also with the idle traffic (heartbeats, pings) taken out;
 *  3. CPU: every node process's CPU (/proc) during the run, in cores: on 2 cores, 50 nodes saturate
 *     the machine long before the network does, and the figures say so;
 *  4. partition of half the network: half the nodes cut off (libp2p off, p2p mode so they do not fall
 *     back to HTTP; each of them alone), writes on both sides, then healed: time to equal roots.
 * BENCH_SCALE_NODES=30,50 picks the sizes.
 */
import http from 'node:http'
import os from 'node:os'
import { startLattice, type Lattice, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { neighbourPositions } from '../../packages/contracts/src/p2p-topology.js'
import { followChanges, metric, pacedWrites, recordWriter, until } from './lattice-client.js'
import { p2pBytesSent } from './p2p-egress.js'
import { cpuOf, type CpuSample } from './proc-cpu.js'
import { fmt, report, summary } from './stats.js'

const PAYLOAD = 'x'.repeat(1024)

interface Status { peer_count: number, mode: string, peers: Array<{ peer_id: string, last_heartbeat: string | null }> }

async function status (node: NodeProcess): Promise<Status> {
  return (await node.api<Status>('/api/lattice/p2p/status', { auth: false })).body
}

function cpuMsOf (nodes: NodeProcess[]): Map<number, CpuSample> {
  return new Map(nodes.map(n => [n.child.pid as number, cpuOf(n.child.pid as number)]))
}

/** Sum of a counter over every node. */
async function metricSum (nodes: NodeProcess[], name: string): Promise<number> {
  return (await Promise.all(nodes.map(async node => await metric(node, name)))).reduce((a, b) => a + b, 0)
}

/** Wait for `probe`; a probe that fails (a node too busy to answer in the client's timeout) counts as "not yet". */
async function eventually (probe: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs: number): Promise<void> {
  await until(async () => await probe().catch(() => false), timeoutMs, what, intervalMs)
}

/** CPU ms all node processes used between two samples. */
function cpuBetween (nodes: NodeProcess[], before: Map<number, CpuSample>, after: Map<number, CpuSample>): number {
  return nodes.reduce((sum, node) => sum + ((after.get(node.child.pid as number)?.process ?? 0) - (before.get(node.child.pid as number)?.process ?? 0)), 0)
}

async function roots (nodes: NodeProcess[]): Promise<string[]> {
  return await Promise.all(nodes.map(async n => (await n.api<{ merkle_root: string }>('/api/lattice/state', { auth: false })).body.merkle_root))
}

async function propagation (lattice: Lattice, n: number, rate: number, seconds: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const [origin, ...others] = lattice.nodes
  const seen = others.map(() => new Map<string, number>())
  const stops = others.map((node, i) => followChanges(node, seen[i]))
  try {
    // idle traffic first (heartbeats, liveness pings, gossipsub control): it grows with n (every node
    // hears every heartbeat), records' traffic grows with the rate
    const idleBefore = p2pBytesSent(lattice.nodes)
    const idleCpuBefore = cpuMsOf(lattice.nodes)
    const idleStarted = performance.now()
    await new Promise(resolve => setTimeout(resolve, 5000))
    const idleAfter = p2pBytesSent(lattice.nodes)
    const idleMs = performance.now() - idleStarted
    const idleCores = cpuBetween(lattice.nodes, idleCpuBefore, cpuMsOf(lattice.nodes)) / idleMs
    const idle = lattice.nodes.map(node => ((idleAfter.get(node.child.pid as number) ?? 0) - (idleBefore.get(node.child.pid as number) ?? 0)) / (idleMs / 1000))
    const idleMean = idle.reduce((a, b) => a + b, 0) / idle.length
    const total = rate * seconds
    const catchupBytesBefore = await metricSum(lattice.nodes, 'lattice_catchup_bytes_total')
    const catchupRecordsBefore = await metricSum(lattice.nodes, 'lattice_catchup_records_total')
    const bytesBefore = p2pBytesSent(lattice.nodes)
    const cpuBefore = cpuMsOf(lattice.nodes)
    const { written, started } = await pacedWrites(recordWriter(origin, agent, PAYLOAD), rate, seconds, `scale/${n}/${rate}`)
    const sendingMs = performance.now() - started
    await eventually(async () => written.every(w => seen.every(m => m.has(w.id))), 300_000, 'every record on every node', 100)
    const elapsedMs = performance.now() - started
    const bytesAfter = p2pBytesSent(lattice.nodes)
    const cpuAfter = cpuMsOf(lattice.nodes)
    const catchupBytes = await metricSum(lattice.nodes, 'lattice_catchup_bytes_total') - catchupBytesBefore
    const catchupRecords = await metricSum(lattice.nodes, 'lattice_catchup_records_total') - catchupRecordsBefore
    const toAll = written.map(w => Math.max(0, Math.max(...seen.map(m => m.get(w.id) as number)) - w.ack))
    const perNode = written.flatMap(w => seen.map(m => Math.max(0, (m.get(w.id) as number) - w.ack)))
    const all = summary(toAll)
    const each = summary(perNode)
    const egress = lattice.nodes.map(node => ((bytesAfter.get(node.child.pid as number) ?? 0) - (bytesBefore.get(node.child.pid as number) ?? 0)) / (elapsedMs / 1000))
    const egressSorted = [...egress].sort((a, b) => a - b)
    const payloadRate = (total * 1024) / (elapsedMs / 1000)
    const mean = egress.reduce((a, b) => a + b, 0) / egress.length
    const cpuMs = cpuBetween(lattice.nodes, cpuBefore, cpuAfter)
    const cores = cpuMs / elapsedMs
    console.log(`${n} nodes, 1 origin, ${rate} records/s for ${seconds} s (${total} records; sent in ${fmt(sendingMs / 1000, 1)} s, all delivered after ${fmt(elapsedMs / 1000, 1)} s), load ${os.loadavg().map(l => fmt(l, 1)).join(' ')}:`)
    if (sendingMs > 1.2 * seconds * 1000) console.log(`  the origin did not keep the pace: ${fmt(total / (sendingMs / 1000), 1)} records/s acknowledged instead of ${rate} (the machine is saturated)`)
    report('  ack on origin → on every other node, p50', all.p50, 'ms')
    report('  ack on origin → on every other node, p99', all.p99, 'ms', { value: 50, better: 'lower' })
    report('  ack on origin → on one other node, p50 / p99 / max', each.p50, `ms / ${fmt(each.p99, 1)} ms / ${fmt(each.max, 1)} ms`)
    report('  P2P egress per node, mean', mean / 1024, 'KiB/s')
    report('  P2P egress per node / payload rate, mean', mean / payloadRate, 'x', { value: 3, better: 'lower' })
    report('  P2P egress per node / payload rate, max (the origin)', (egressSorted.at(-1) ?? NaN) / payloadRate, 'x')
    report('  P2P egress per node / payload rate, min', (egressSorted[0] ?? NaN) / payloadRate, 'x')
    report('  idle P2P egress per node before the run (heartbeats, pings, gossip control), mean', idleMean / 1024, 'KiB/s')
    report('  (egress - idle egress) per node / payload rate, mean: the records\' share', (mean - idleMean) / payloadRate, 'x', { value: 3, better: 'lower' })
    report('  records applied from catch-ups (gaps: a relayed record overtook its predecessor), all nodes', catchupRecords, `records of ${total * (n - 1)} deliveries; ${fmt(catchupBytes / 1024, 1)} KiB received`)
    report('  CPU of all node processes', cores, `cores (of ${os.cpus().length}; ${fmt(cpuMs / total / n, 2)} ms per record per node, idle included)`)
    report('  CPU of all node processes while idle before the run', idleCores, `cores (${fmt(idleCores * 1000 / n, 1)} ms/s per node; make bench BENCH=idle measures the steady idle state)`)
    if (cores > 0.8 * os.cpus().length) console.log(`  CPU saturated: the ${n} node processes used ${fmt(cores, 2)} of ${os.cpus().length} cores, so the delays above are queueing for CPU, not the network`)
  } finally {
    for (const s of stops) s()
    agent.destroy()
  }
}

async function partition (lattice: Lattice, n: number, seconds: number): Promise<void> {
  const half = lattice.nodes.filter((_, i) => i % 2 === 1)
  const rest = lattice.nodes.filter((_, i) => i % 2 === 0)
  // every other node: the cut takes half of each node's neighbours (offsets 1, n^(1/4)... mostly odd)
  for (const node of half) {
    await node.api('/api/lattice/sync/switch?mode=p2p', { method: 'POST' })
    await node.api('/api/lattice/sync/p2p?enabled=false', { method: 'POST' })
  }
  const end = Date.now() + seconds * 1000
  let rounds = 0
  while (Date.now() < end) {
    const tick = Date.now()
    // 5 records/s on the connected half (one origin), 1 record every 5 s on each node cut off
    await Promise.all([
      rest[0].api('/api/lattice/records/batch', { method: 'POST', body: { records: Array.from({ length: 5 }, (_, i) => ({ key: `cut/${n}/a/${rounds}/${i}`, payload: PAYLOAD })) } }),
      ...(rounds % 5 === 0 ? half.map(async (node, j) => await node.api('/api/lattice/records', { method: 'POST', body: { key: `cut/${n}/b${j}/${rounds}`, payload: PAYLOAD } })) : [])
    ])
    rounds++
    const wait = 1000 - (Date.now() - tick)
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
  }
  const healed = performance.now()
  for (const node of half) {
    await node.api('/api/lattice/sync/p2p?enabled=true', { method: 'POST' })
    await node.api('/api/lattice/sync/switch?mode=auto', { method: 'POST' })
  }
  await eventually(async () => new Set(await roots(lattice.nodes)).size === 1, 300_000, 'equal roots', 100)
  const took = performance.now() - healed
  console.log(`${n} nodes, partition of ${seconds} s (${half.length} nodes cut off, each alone; ${rounds * 5} records on the connected half, ${Math.ceil(rounds / 5) * half.length} on the nodes cut off), load ${os.loadavg().map(l => fmt(l, 1)).join(' ')}:`)
  report('  heal → equal roots on all nodes', took, 'ms')
}

async function network (n: number): Promise<void> {
  // 100 records/s is the goal's rate; on 2 shared cores the nodes saturate the CPU long before that, so a
  // lower rate follows that shows the network's own figures
  const runs = (process.env.BENCH_SCALE_RATES ?? '100:5,5:20').split(',').map(r => r.split(':').map(Number))
  const startedAt = performance.now()
  const lattice = await startLattice(n, {
    // fresh ledgers: no own-head wait (a starting node would wait for neighbours of later waves);
    // heartbeats at the default 5 s: every node hears every node's heartbeat, so their cost per node
    // grows with n (the idle figures below)
    env: { AETHEL_LOG_LEVEL: 'warn', AETHEL_PEERLESS_TIMEOUT: '120', AETHEL_OWN_HEAD_TIMEOUT: '0' },
    bootstrap: neighbourPositions,
    // two cores: a few processes start at once
    startConcurrency: 3
  })
  try {
    await eventually(async () => (await Promise.all(lattice.nodes.map(status))).every((s, i) => s.mode === 'P2P' && s.peer_count >= neighbourPositions(n, i).length && s.peers.every(p => p.last_heartbeat !== null)), 300_000, `${n} nodes connected to their neighbours`, 500)
    const peers = (await Promise.all(lattice.nodes.map(status))).map(s => s.peer_count)
    console.log(`${n} nodes started and connected in ${fmt((performance.now() - startedAt) / 1000, 1)} s; peers per node ${Math.min(...peers)}-${Math.max(...peers)} (a full mesh: ${n - 1})`)
    for (const [rate, seconds] of runs) await propagation(lattice, n, rate, seconds ?? 10)
    const cutSeconds = Number(process.env.BENCH_SCALE_PARTITION_S ?? 10)
    if (cutSeconds > 0) await partition(lattice, n, cutSeconds)
  } finally {
    await lattice.destroy()
  }
}

export async function run (): Promise<void> {
  const sizes = (process.env.BENCH_SCALE_NODES ?? '30,50').split(',').map(Number)
  for (const n of sizes) await network(n)
}
