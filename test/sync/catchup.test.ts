/**
 * Acceptance: a node stopped while 10,000 records are written elsewhere catches up after its restart,
 * and the (compressed) bytes it receives are within 1.5x of the missing records' size.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type Lattice, startConnectedLattice } from '../../packages/testkit/src/node/index.js'
import { metric, SHORT_TIMINGS, state, write, writeBatch } from './helpers.js'

const MISSING = 10_000

/** About 1 KiB of JSON: some structure, some words, some incompressible bytes. */
export function payload (i: number): Record<string, unknown> {
  return {
    invoice: `INV-${String(i).padStart(8, '0')}`,
    amount: Math.round(Math.random() * 1e6) / 100,
    currency: 'EUR',
    status: i % 3 === 0 ? 'paid' : 'open',
    memo: 'settlement of the monthly service agreement between the parties named in the contract',
    blob: randomBytes(600).toString('base64')
  }
}

describe('catch-up after a restart', () => {
  let lattice: Lattice
  beforeAll(async () => {
    // a long peerless timeout: the restarted node must catch up over P2P, not fail over to HTTP
    lattice = await startConnectedLattice(2, { env: { ...SHORT_TIMINGS, AETHEL_PEERLESS_TIMEOUT: '120' } })
  }, 120_000)
  afterAll(async () => { await lattice?.destroy() })

  it('receives the 10,000 records it missed, compressed', async () => {
    const [a, b] = lattice.nodes
    await write(a, 'first')
    await waitFor('first record on b', async () => (await state(b)).record_count === 1, { timeoutMs: 20_000 })
    await b.stop()

    let missingBytes = 0
    for (let done = 0; done < MISSING; done += 1000) {
      const records = await writeBatch(a, Array.from({ length: 1000 }, (_, j) => ({ key: `k${done + j}`, payload: payload(done + j) })))
      for (const r of records) missingBytes += Buffer.byteLength(JSON.stringify(r))
    }
    expect((await state(a)).record_count).toBe(MISSING + 1)

    const b2 = await b.restart()
    lattice.replace(1, b2)
    const rootA = (await state(a)).merkle_root
    await waitFor('b caught up with a', async () => {
      const s = await state(b2)
      return s.record_count === MISSING + 1 && s.merkle_root === rootA
    }, { timeoutMs: 120_000, intervalMs: 200 })

    // The counters move after a batch's commit resolves, a moment after its records are visible in
    // the state: wait for the last batch to be counted, and never count more than was missing. Both
    // transports: a restarted node recovering its own head also pulls over HTTP when the P2P exchange
    // has not answered within a couple of seconds (a loaded CI machine), and each record is applied,
    // and counted, once whichever way it came.
    const counted = await waitFor('the catch-up counters to include the last batch', async () => {
      const n = await metric(b2, 'lattice_catchup_records_total', { transport: 'p2p' }) + await metric(b2, 'lattice_catchup_records_total', { transport: 'http' })
      return n >= MISSING ? n : undefined
    }, { timeoutMs: 20_000 })
    expect(counted).toBe(MISSING)
    const p2pBytes = await metric(b2, 'lattice_catchup_bytes_total', { transport: 'p2p' })
    const httpBytes = await metric(b2, 'lattice_catchup_bytes_total', { transport: 'http' })
    const received = p2pBytes + httpBytes
    expect(received).toBeGreaterThan(0)
    expect(received).toBeLessThanOrEqual(1.5 * missingBytes)
    // the report of this test: bytes received per record against the records' JSON size
    process.stdout.write(`catch-up: ${MISSING} records, ${missingBytes} JSON bytes missing, ${received} bytes received (${(received / missingBytes).toFixed(3)}x, ${(received / MISSING / 1024).toFixed(3)} KiB/record)\n`)
  }, 240_000)
})
