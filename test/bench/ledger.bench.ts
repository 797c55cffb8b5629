/**
 * The ledger on its own (no HTTP, no libp2p): Merkle update cost at 1,000,000 records, cold start
 * with 1,000,000 records, durable append throughput with group commit, and ingest (verify + apply)
 * throughput. Real SQLite files (WAL, synchronous=FULL), real Ed25519 keys, 1 KiB payloads unless said.
 *
 * LATTICE_BENCH_LEDGER_RECORDS scales the million-record parts down for a quick run.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import v8 from 'node:v8'
import vm from 'node:vm'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { createLedger, createMerkleTree, createRecordSigner, signRecord, type Ledger, type LedgerRecord } from '../../node/src/ledger/index.js'
import { createSilentLogger } from '../../packages/log/src/index.js'
import { fmt, report, summary } from './stats.js'

const BIG = Number(process.env.LATTICE_BENCH_LEDGER_RECORDS ?? 1_000_000)
const PAYLOAD = 'x'.repeat(1024)
const big = BIG.toLocaleString('en-US')

/** A full GC so heap figures count live data only (--expose-gc switched on at run time). */
async function collectGarbage (): Promise<void> {
  // A closed ledger is released a tick after close() resolves: let that happen first.
  await new Promise((resolve) => setTimeout(resolve, 50))
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as () => void
  gc()
}

async function openLedger (dbPath: string, key: PrivateKey): Promise<Ledger> {
  return await createLedger({ dbPath, integrityCheckOnOpen: false }, { privateKey: key, isMember: () => true, logger: createSilentLogger() })
}

function merkleBench (): void {
  const tree = createMerkleTree()
  const ids = Array.from({ length: BIG }, () => randomBytes(32).toString('hex'))
  const t0 = performance.now()
  tree.bulkLoad(ids)
  tree.root()
  report(`ledger: merkle build (bulk load + root) from ${big} ids`, performance.now() - t0, 'ms')
  const times: number[] = []
  for (let i = 0; i < 2000; i++) {
    tree.insert(randomBytes(32).toString('hex'))
    const s = performance.now()
    tree.root()
    times.push(performance.now() - s)
  }
  const s = summary(times)
  console.log(`ledger: merkle root after 1 insert into ${big} records: p50 ${fmt(s.p50, 3)} ms, p99 ${fmt(s.p99, 3)} ms (goal: well under 1 ms)`)
  const prep: number[] = []
  for (let i = 0; i < 500; i++) {
    const ids = Array.from({ length: 100 }, () => randomBytes(32).toString('hex'))
    const st = performance.now()
    tree.prepareInsert(ids).apply()
    prep.push(performance.now() - st)
  }
  const p = summary(prep)
  console.log(`ledger: merkle prepare+apply of a 100-record group at ${big} records: p50 ${fmt(p.p50, 3)} ms, p99 ${fmt(p.p99, 3)} ms`)
}

async function coldStartBench (dir: string): Promise<void> {
  const key = await generateKeyPair('Ed25519')
  const dbPath = path.join(dir, 'cold.db')
  const l = await openLedger(dbPath, key)
  const payload = 'y'.repeat(100)
  const t0 = performance.now()
  for (let i = 0; i < BIG; i += 10_000) {
    await l.append(Array.from({ length: Math.min(10_000, BIG - i) }, (_, j) => ({ key: `k${(i + j) % 10_000}`, payload })))
  }
  const fill = performance.now() - t0
  const root = l.merkleRoot()
  await l.close()
  const size = (await stat(dbPath)).size
  console.log(`ledger: filled ${big} records (100 B payloads, ${fmt(size / 1048576, 0)} MiB) through append in batches of 10,000: ${fmt(BIG / (fill / 1000), 0)} rec/s`)
  const times: number[] = []
  let heap = 0
  for (let i = 0; i < 3; i++) {
    await collectGarbage()
    const before = process.memoryUsage().heapUsed
    const s = performance.now()
    const again = await openLedger(dbPath, key)
    times.push(performance.now() - s)
    if (again.merkleRoot() !== root || again.recordCount() !== BIG) throw new Error('cold start lost records')
    await collectGarbage()
    // The first open is the cold one; later ones may reuse memory the previous open left for the GC.
    heap = Math.max(heap, process.memoryUsage().heapUsed - before)
    await again.close()
  }
  report(`ledger: cold start (open to ready, page cache warm) with ${big} records`, summary(times).p50, 'ms', { value: 5000, better: 'lower' })
  console.log(`ledger: JS heap held by the open ${big}-record ledger (ids, version vector, Merkle tree): ${fmt(heap / 1048576, 0)} MiB`)
  await rm(dbPath, { force: true })
}

async function appendBench (dir: string): Promise<void> {
  const key = await generateKeyPair('Ed25519')
  const l = await openLedger(path.join(dir, 'append.db'), key)
  try {
    {
      const batches = 40
      const s = performance.now()
      for (let b = 0; b < batches; b++) await l.append(Array.from({ length: 1000 }, (_, i) => ({ key: `b/${b}/${i}`, payload: PAYLOAD })))
      report('ledger: durable append, batches of 1,000 (1 KiB payloads)', (batches * 1000) / ((performance.now() - s) / 1000), 'rec/s', { value: 10_000, better: 'higher' })
    }
    {
      const total = 30_000
      let next = 0
      const latencies: number[] = []
      const s = performance.now()
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (next < total) {
          next++
          const st = performance.now()
          await l.append([{ key: `s/${next}`, payload: PAYLOAD }])
          latencies.push(performance.now() - st)
        }
      }))
      const lat = summary(latencies)
      report('ledger: durable append, 64 concurrent single appends (1 KiB payloads)', total / ((performance.now() - s) / 1000), 'rec/s', { value: 4000, better: 'higher' })
      console.log(`ledger: single append latency with 64 in flight: p50 ${fmt(lat.p50, 2)} ms, p99 ${fmt(lat.p99, 2)} ms`)
    }
    {
      const s = performance.now()
      const r = await l.integrityCheck()
      const ms = performance.now() - s
      report(`ledger: integrity check (sqlite + merkle + every signature) of ${r.record_count.toLocaleString('en-US')} records`, r.record_count / (ms / 1000), 'rec/s')
    }
  } finally {
    await l.close()
  }
}

async function ingestBench (dir: string): Promise<void> {
  const origins = await Promise.all(Array.from({ length: 4 }, async () => {
    const key = await generateKeyPair('Ed25519')
    const id = peerIdFromPrivateKey(key).toString()
    return { id, signer: createRecordSigner(key, id) }
  }))
  const perOrigin = 10_000
  const records: LedgerRecord[] = []
  for (let seq = 1; seq <= perOrigin; seq++) {
    for (const o of origins) records.push(signRecord({ origin: o.id, seq, ts: Date.now(), key: `k${seq % 100}`, payload: PAYLOAD }, o.signer))
  }
  const me = await generateKeyPair('Ed25519')
  {
    const l = await openLedger(path.join(dir, 'ingest-batch.db'), me)
    const s = performance.now()
    for (let i = 0; i < records.length; i += 1000) await l.ingest(records.slice(i, i + 1000))
    const secs = (performance.now() - s) / 1000
    if (l.recordCount() !== records.length) throw new Error(`ingest applied ${l.recordCount()} of ${records.length}`)
    report('ledger: ingest (verify + apply, durable), batches of 1,000 (1 KiB payloads)', records.length / secs, 'rec/s')
    const dupStart = performance.now()
    for (let i = 0; i < records.length; i += 1000) await l.ingest(records.slice(i, i + 1000))
    report('ledger: re-ingest of known records (duplicates)', records.length / ((performance.now() - dupStart) / 1000), 'rec/s')
    await l.close()
  }
  {
    const l = await openLedger(path.join(dir, 'ingest-single.db'), me)
    const subset = records.slice(0, 20_000)
    let next = 0
    const s = performance.now()
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < subset.length) await l.ingest([subset[next++]])
    }))
    const secs = (performance.now() - s) / 1000
    report('ledger: ingest of single records, 64 in flight (gossip-like)', l.recordCount() / secs, 'rec/s')
    await l.close()
  }
}

export async function run (): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-ledger-'))
  try {
    merkleBench()
    await appendBench(dir)
    await ingestBench(dir)
    await coldStartBench(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
