/**
 * `make demo` (until the operator demo exists): a local lattice of N node processes on 127.0.0.1.
 *
 *   node_modules/.bin/node dist/test/demo/local-lattice.js [N] [--timings=demo|seed]
 *
 * Starts N (default 3) lattice-node processes with distinct ports, one pre-shared key and one API token in
 * a temporary directory, prints each dashboard URL and the token file, writes a few records on every node,
 * prints the Merkle roots until they are equal, then keeps printing a status line per node whenever it
 * changes (peers, mode, records) until Ctrl-C, when it stops every node gracefully and removes the
 * directory. Try cutting P2P on a node to watch the failover:
 *   curl -X POST -H "Authorization: Bearer $(cat <token file>)" '<url>/api/lattice/sync/p2p?enabled=false'
 */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { startLattice, type Lattice, type NodeProcess } from '../../packages/testkit/src/node/index.js'

interface Status { peer_count: number, mode: string, http_sync_enabled: boolean, record_count: number, merkle_root: string }

const args = process.argv.slice(2)
const n = Number(args.find(a => /^\d+$/.test(a)) ?? process.env.LATTICE_DEMO_NODES ?? 3)
const seedTimings = args.includes('--timings=seed')
// demo timings keep failover visible within seconds; --timings=seed uses the seed's 5 s / 60 s / 10 s
const env: Record<string, string> = seedTimings
  ? { AETHEL_LOG_LEVEL: 'warn' }
  : { AETHEL_HEARTBEAT_INTERVAL: '1', AETHEL_PEERLESS_TIMEOUT: '10', AETHEL_HTTP_POLL_INTERVAL: '2', AETHEL_LOG_LEVEL: 'warn' }

async function getJson<T> (node: NodeProcess, pathname: string): Promise<T> {
  const res = await node.api<T>(pathname)
  if (res.status !== 200) throw new Error(`${node.url}${pathname}: ${res.status}`)
  return res.body
}

async function snapshot (node: NodeProcess): Promise<Status | undefined> {
  try {
    return await getJson<Status>(node, '/api/lattice/p2p/status')
  } catch {
    return undefined
  }
}

function line (i: number, s: Status | undefined): string {
  if (s === undefined) return `node-${i}: unreachable`
  return `node-${i}: mode ${s.mode.padEnd(4)} peers ${s.peer_count}  http_sync ${s.http_sync_enabled ? 'on ' : 'off'}  records ${String(s.record_count).padStart(5)}  root ${s.merkle_root.slice(0, 16)}`
}

async function main (): Promise<void> {
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`N must be 1..16, got ${n}`)
  console.log(`starting a local lattice of ${n} nodes on 127.0.0.1 …`)
  const lattice: Lattice = await startLattice(n, { env })
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    console.log('\nstopping nodes …')
    await Promise.allSettled(lattice.nodes.map(async node => await node.stop()))
    await rm(lattice.dir, { recursive: true, force: true })
    console.log('stopped; removed', lattice.dir)
    process.exit(0)
  }
  process.on('SIGINT', () => { void stop() })
  process.on('SIGTERM', () => { void stop() })

  console.log(`\ndirectory: ${lattice.dir}`)
  console.log(`API token file: ${path.join(lattice.dir, 'node-0', 'test-api-token')} (every node shares it)`)
  for (const [i, node] of lattice.nodes.entries()) {
    console.log(`node-${i}: dashboard ${node.url}/   peer ${node.peerId}   p2p ${node.p2pAddr}`)
  }

  console.log('\nwriting a few records on every node …')
  for (const [i, node] of lattice.nodes.entries()) {
    for (let j = 0; j < 3; j++) {
      const res = await node.api('/api/lattice/records', { method: 'POST', body: { key: `demo/node-${i}/${j}`, payload: { from: `node-${i}`, n: j, at: new Date().toISOString() } } })
      if (res.status !== 201) console.log(`write on node-${i} answered ${res.status}`)
    }
  }
  const started = Date.now()
  for (;;) {
    const all = await Promise.all(lattice.nodes.map(snapshot))
    const roots = new Set(all.map(s => s?.merkle_root))
    console.log(`+${((Date.now() - started) / 1000).toFixed(1)} s  roots: ${[...roots].map(r => r?.slice(0, 12)).join(' ')}`)
    if (roots.size === 1 && all.every(s => s !== undefined && s.record_count === 3 * n)) break
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  console.log(`converged: ${3 * n} records on every node, one Merkle root. Ctrl-C to stop.\n`)

  const last = new Map<number, string>()
  for (;;) {
    const all = await Promise.all(lattice.nodes.map(snapshot))
    if (stopping) return
    for (const [i, s] of all.entries()) {
      const l = line(i, s)
      if (last.get(i) !== l) {
        console.log(`${new Date().toISOString().slice(11, 19)} ${l}`)
        last.set(i, l)
      }
    }
    await new Promise(resolve => setTimeout(resolve, 1000))
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message)
  process.exit(1)
})
