/**
 * The start-up integrity check of a large ledger, incremental vs full: 100,000 records covered by an
 * earlier healthy check, 1,000 written since, the ledger reopened. The incremental check (what a start
 * runs) verifies the 1,000; the full one (POST /api/lattice/integrity/check) verifies all of them.
 * `LATTICE_BENCH_INTEGRITY_RECORDS` changes the size.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createLedger, type IntegrityCheckOptions, type IntegrityReport, type Ledger } from '../../node/src/ledger/index.js'
import type { PrivateKey } from '@libp2p/interface'
import { createSilentLogger } from '../../packages/log/src/index.js'
import { fmt, report } from './stats.js'

const RECORDS = Number(process.env.LATTICE_BENCH_INTEGRITY_RECORDS ?? 100_000)
const NEW_RECORDS = 1_000

async function openLedger (dbPath: string, key: PrivateKey): Promise<Ledger> {
  return await createLedger({ dbPath, integrityCheckOnOpen: false }, { privateKey: key, isMember: () => true, logger: createSilentLogger() })
}

async function fill (l: Ledger, n: number): Promise<void> {
  const payload = { text: 'y'.repeat(100) }
  for (let i = 0; i < n; i += 10_000) await l.append(Array.from({ length: Math.min(10_000, n - i) }, (_, j) => ({ key: `k${(i + j) % 10_000}`, payload })))
}

async function timed (l: Ledger, options: IntegrityCheckOptions): Promise<{ ms: number, r: IntegrityReport }> {
  const s = performance.now()
  const r = await l.integrityCheck(options)
  const ms = performance.now() - s
  if (r.status !== 'healthy') throw new Error(`integrity check unhealthy: ${r.errors.join('; ')}`)
  return { ms, r }
}

export async function run (): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-integrity-'))
  try {
    const key = await generateKeyPair('Ed25519')
    const dbPath = path.join(dir, 'ledger.db')
    const first = await openLedger(dbPath, key)
    await fill(first, RECORDS)
    await timed(first, {}) // the earlier healthy check: leaves the mark
    await fill(first, NEW_RECORDS)
    await first.close()

    const l = await openLedger(dbPath, key)
    try {
      const inc = await timed(l, { incremental: true })
      const full = await timed(l, {})
      const total = full.r.record_count.toLocaleString('en-US')
      const label = `ledger: start-up integrity check of ${total} records (${NEW_RECORDS.toLocaleString('en-US')} written since the last check)`
      report(`${label}, incremental (${(inc.r.verified_records ?? 0).toLocaleString('en-US')} verified)`, inc.ms, 'ms')
      report(`${label}, full on demand (${(full.r.verified_records ?? 0).toLocaleString('en-US')} verified)`, full.ms, 'ms')
      console.log(`ledger: incremental start-up check is ${fmt(full.ms / inc.ms, 1)}x faster than the full one`)
    } finally {
      await l.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
