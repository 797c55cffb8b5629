/**
 * Sync benchmarks on real node processes (loopback), 1 KiB payloads:
 *  1. gossip propagation across 5 nodes: write acknowledged on the origin → applied on every other node
 *     (seen on each node's /api/lattice/changes feed), paced at 100 and 500 records/s;
 *  2. failover (last peer lost → HTTP sync on) and recovery (peer back → P2P mode) against the
 *     configured peerless timeout and heartbeat, from the nodes' own transition timestamps;
 *  3. convergence after a partition (default 30 s, BENCH_PARTITION_S) with writes on both sides:
 *     time from healing to equal roots, and the sync bytes it took;
 *  4. catch-up of 10,000 records after a restart: time and bytes received per record.
 * BENCH_SYNC=gossip,failover,partition,catchup picks sections.
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { startLattice, type Lattice, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { followChanges as follow, metric, pacedWrites, recordWriter, until } from './lattice-client.js'
import { fmt, report, summary } from './stats.js'

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
  const lattice = await startLattice(5, { env: { AETHEL_LOG_LEVEL: 'warn' } })
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
    }
    for (const s of stops) s()
  } finally {
    agent.destroy()
    await lattice.destroy()
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

async function catchup (): Promise<void> {
  const missing = 10_000
  const lattice = await startLattice(2, { env: { AETHEL_LOG_LEVEL: 'warn', AETHEL_PEERLESS_TIMEOUT: '120' } })
  try {
    await until(async () => (await Promise.all(lattice.nodes.map(status))).every(s => s.peer_count === 1), 60_000, 'connected', 100)
    const [a, b] = lattice.nodes
    await b.stop()
    let bytes = 0
    for (let done = 0; done < missing; done += 1000) {
      const res = await a.api<{ records: unknown[] }>('/api/lattice/records/batch', { method: 'POST', body: { records: Array.from({ length: 1000 }, (_, i) => ({ key: `c/${done + i}`, payload: realisticPayload(done + i) })) } })
      for (const r of res.body.records) bytes += Buffer.byteLength(JSON.stringify(r))
    }
    const rootA = (await a.api<{ merkle_root: string }>('/api/lattice/state', { auth: false })).body.merkle_root
    const b2 = await b.restart()
    lattice.replace(1, b2)
    const ready = performance.now()
    await until(async () => (await status(b2)).peer_count === 1, 60_000, 'reconnected', 5)
    const connected = performance.now()
    await until(async () => (await b2.api<{ merkle_root: string }>('/api/lattice/state', { auth: false })).body.merkle_root === rootA, 120_000, 'caught up', 10)
    const done = performance.now()
    const received = await metric(b2, 'lattice_catchup_bytes_total')
    console.log(`catch-up of ${missing} records (1 KiB payloads) after a restart, 2 nodes:`)
    report('  connected → equal roots', (done - connected) / 1000, 's', { value: 0.5, better: 'lower' })
    report('  ready → connected', connected - ready, 'ms')
    report('  received per record', received / missing / 1024, 'KiB', { value: 0.9, better: 'lower' })
    report('  received / records as JSON', received / bytes, 'x', { value: 1.5, better: 'lower' })
  } finally {
    await lattice.destroy()
  }
}

export async function run (): Promise<void> {
  const only = process.env.BENCH_SYNC
  if (only === undefined || only.includes('gossip')) await propagation()
  if (only === undefined || only.includes('failover')) await failover()
  if (only === undefined || only.includes('partition')) await partition()
  if (only === undefined || only.includes('catchup')) await catchup()
}
