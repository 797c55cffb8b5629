/**
 * The lost-ledger scenario (issue 15): a node of a running lattice loses records from its own files
 * while its identity stays (ledger file deleted or truncated, WAL truncated / salt flipped / deleted
 * with its SHM, or the whole data directory but the identity gone, as with a lost PVC), restarts, and
 * is written to at once and then on. Exported for test/sync/lost-ledger.test.ts and the chaos suite:
 * it returns its figures, and the caller asserts on them.
 */
import { open, readdir, rm, stat, truncate } from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { waitFor } from '../../packages/testkit/src/index.js'
import type { Lattice, NodeProcess } from '../../packages/testkit/src/node/index.js'
import type { LedgerRecord } from '../../node/src/ledger/interface.js'
import type { P2PStatus } from '../../node/src/sync/interface.js'
import { metric, state, status, writeBatch } from './helpers.js'

/** What happens to the node's files while it is down. */
export type LedgerDamage =
  | 'ledger-deleted' // ledger.db, -wal and -shm removed (identity and everything else kept)
  | 'data-dir-wiped' // everything but identity.key and the token removed: a lost volume, identity kept by the operator
  | 'ledger-truncated' // ledger.db truncated to 0 bytes after a clean stop
  | 'wal-truncated' // after SIGKILL: the WAL truncated to 0 bytes
  | 'wal-header-only' // after SIGKILL: the WAL truncated to its 32-byte header
  | 'wal-salt-flipped' // after SIGKILL: a bit of the WAL header's first salt flipped
  | 'wal-shm-deleted' // after SIGKILL: the WAL and the SHM deleted

export const LEDGER_DAMAGES: readonly LedgerDamage[] = ['ledger-deleted', 'data-dir-wiped', 'ledger-truncated', 'wal-truncated', 'wal-header-only', 'wal-salt-flipped', 'wal-shm-deleted']

/** WAL damage needs the records in the WAL: the node is killed, not stopped (a clean stop checkpoints). */
const needsKill = (d: LedgerDamage): boolean => d.startsWith('wal-')

/** Apply one kind of damage to a stopped node's data directory. */
export async function damageLedgerFiles (dataDir: string, damage: LedgerDamage): Promise<void> {
  const db = path.join(dataDir, 'ledger.db')
  const wal = `${db}-wal`
  const shm = `${db}-shm`
  switch (damage) {
    case 'ledger-deleted':
      for (const f of [db, wal, shm]) await rm(f, { force: true })
      return
    case 'data-dir-wiped':
      for (const f of await readdir(dataDir)) {
        if (f !== 'identity.key' && f !== 'test-api-token') await rm(path.join(dataDir, f), { recursive: true, force: true })
      }
      return
    case 'ledger-truncated':
      await truncate(db, 0)
      return
    case 'wal-truncated':
      await requireWal(wal)
      await truncate(wal, 0)
      return
    case 'wal-header-only':
      await requireWal(wal)
      await truncate(wal, 32)
      return
    case 'wal-salt-flipped': {
      await requireWal(wal)
      // WAL header: magic, version, page size, checkpoint seq, salt-1 (offset 16), salt-2, checksums
      const fh = await open(wal, 'r+')
      try {
        const b = Buffer.alloc(1)
        await fh.read(b, 0, 1, 16)
        b[0] ^= 0x01
        await fh.write(b, 0, 1, 16)
      } finally {
        await fh.close()
      }
      return
    }
    case 'wal-shm-deleted':
      await requireWal(wal)
      for (const f of [wal, shm]) await rm(f, { force: true })
  }
}

async function requireWal (wal: string): Promise<void> {
  const s = await stat(wal)
  if (s.size <= 32) throw new Error(`${wal} holds no frames (${s.size} bytes): nothing to damage`)
}

export interface LostLedgerOptions {
  damage: LedgerDamage
  /** The victim's index in the lattice. */
  victim: number
  /** Own records the victim acknowledges (and its peers receive) before the damage. */
  recordsBefore?: number
  /** Records acknowledged by the victim after its restart, written from the moment it is spawned. */
  writesAfter?: number
  /**
   * Deadline for the roots to be equal after the last write (default 60 s: generous for a loaded machine;
   * the acceptance is 15 s, and `convergeMs` reports what it took).
   */
  convergeTimeoutMs?: number
}

export interface LostLedgerFigures {
  damage: LedgerDamage
  /** The victim's own records acknowledged before the damage (all held by its peers). */
  acknowledgedBefore: number
  /** The most own records the victim reported missing at once (status `recovery.missing_detected`). */
  reportedMissing: number
  /** Own records the victim recovered from peers (`recovery.recovered_records`). */
  recovered: number
  /** Writes answered 503 while the victim recovered its head (none of them wrote anything). */
  refusedWrites: number
  /** /readyz answers 503 with a `recovering` reason seen meanwhile. */
  notReadyRecovering: number
  /** Writes acknowledged by the victim after its restart. */
  acknowledgedAfter: number
  /** ms from spawning the victim to its first acknowledged write. */
  firstWriteMs: number
  /** Acknowledged records (any origin) some node lacks, or holds with another id, at the end. */
  lost: number
  /** Equivocations counted or logged by any node. */
  equivocations: number
  /** ms from the last acknowledged write to equal roots on every node holding every record. */
  convergeMs: number
  /** The victim's seqs after the restart: the first should be acknowledgedBefore + 1. */
  seqsAfter: number[]
}

async function ownRecords (node: NodeProcess, origin: string): Promise<Map<number, string>> {
  const out = new Map<number, string>()
  let from = 1
  for (;;) {
    const res = await node.api<{ records: LedgerRecord[], next: { from_seq: number } | null }>(`/api/lattice/records?origin=${origin}&from_seq=${from}&limit=1000`)
    if (res.status !== 200) throw new Error(`records of ${origin} on ${node.url}: ${res.status}`)
    for (const r of res.body.records) out.set(r.seq, r.id)
    if (res.body.next === null) return out
    from = res.body.next.from_seq
  }
}

/** Every acknowledged record held by every node under its seq, and one root: the count of misses, or undefined while roots differ. */
async function missingEverywhere (nodes: NodeProcess[], acknowledged: LedgerRecord[]): Promise<number | undefined> {
  const roots = new Set((await Promise.all(nodes.map(state))).map(s => s.merkle_root))
  if (roots.size !== 1) return undefined
  const origins = [...new Set(acknowledged.map(r => r.origin))]
  let missing = 0
  for (const n of nodes) {
    for (const origin of origins) {
      const held = await ownRecords(n, origin)
      for (const r of acknowledged) if (r.origin === origin && held.get(r.seq) !== r.id) missing++
    }
  }
  return missing
}

/**
 * Runs the scenario on a connected lattice (the victim is replaced in `lattice.nodes` by its restarted
 * process). Throws only when the lattice cannot be driven at all; every outcome is in the figures.
 */
export async function runLostLedgerScenario (lattice: Lattice, options: LostLedgerOptions): Promise<LostLedgerFigures> {
  const recordsBefore = options.recordsBefore ?? 40
  const writesAfter = options.writesAfter ?? 30
  let victim = lattice.nodes[options.victim]
  const others = lattice.nodes.filter((_, i) => i !== options.victim)
  const acknowledged: LedgerRecord[] = []
  const payload = (i: number): unknown => ({ i, note: randomBytes(8).toString('hex') })

  // Before: the victim's own records (one by one, so the WAL has many frames) and some of its peers'.
  // For WAL damage, a clean restart halfway checkpoints the first half into ledger.db: the damage
  // then takes only the WAL's records, and the node comes back behind, not empty.
  for (let i = 0; i < recordsBefore; i++) {
    if (needsKill(options.damage) && i === Math.floor(recordsBefore / 2)) {
      victim = await victim.restart()
      lattice.replace(options.victim, victim)
    }
    const res = await victim.api<LedgerRecord>('/api/lattice/records', { method: 'POST', body: { key: `before/${i}`, payload: payload(i) } })
    if (res.status !== 201) throw new Error(`write before the damage: ${res.status} ${JSON.stringify(res.body)}`)
    acknowledged.push(res.body)
  }
  for (const o of others) acknowledged.push(...await writeBatch(o, [{ key: `peer/${o.peerId}`, payload: payload(0) }]))
  await waitFor('every node to hold the records written before the damage', async () => await missingEverywhere(lattice.nodes, acknowledged) === 0, { timeoutMs: 120_000, intervalMs: 200 })
  const acknowledgedBefore = recordsBefore

  if (needsKill(options.damage)) await victim.kill('SIGKILL')
  else await victim.stop()
  await damageLedgerFiles(victim.dataDir, options.damage)

  // After: spawn, and write at once and on; a 503 wrote nothing, a refused connection neither.
  const spawnedAt = Date.now()
  const restarted = await victim.restart({ waitReady: false })
  lattice.replace(options.victim, restarted)
  let refusedWrites = 0
  let notReadyRecovering = 0
  let reportedMissing = 0
  let firstWriteMs = -1
  const seqsAfter: number[] = []
  const watchRecovery = (s: P2PStatus): void => {
    reportedMissing = Math.max(reportedMissing, s.recovery?.missing_records ?? 0, s.recovery?.missing_detected ?? 0)
  }
  const deadline = Date.now() + 120_000
  let i = 0
  while (seqsAfter.length < writesAfter) {
    if (Date.now() > deadline) throw new Error(`the restarted node acknowledged ${seqsAfter.length} of ${writesAfter} writes in 120 s; refused ${refusedWrites}; logs:\n${restarted.logs().slice(-3000)}`)
    if (restarted.child.exitCode !== null) throw new Error(`the restarted node exited:\n${restarted.logs().slice(-3000)}`)
    const st = await status(restarted).catch(() => undefined)
    if (st !== undefined) watchRecovery(st)
    const ready = await restarted.api<{ reasons?: string[] }>('/readyz', { auth: false }).catch(() => undefined)
    if (ready?.status === 503 && ready.body.reasons?.some(r => r.startsWith('recovering')) === true) notReadyRecovering++
    const res = await restarted.api<LedgerRecord & { error?: { code: string } }>('/api/lattice/records', { method: 'POST', body: { key: `after/${i}`, payload: payload(i) } }).catch(() => undefined)
    i++
    if (res?.status === 201) {
      if (firstWriteMs < 0) firstWriteMs = Date.now() - spawnedAt
      acknowledged.push(res.body)
      seqsAfter.push(res.body.seq)
      // the others keep writing too
      if (seqsAfter.length % 10 === 0) for (const o of others) acknowledged.push(...await writeBatch(o, [{ key: `peer/${o.peerId}/${i}`, payload: payload(i) }]))
    } else if (res?.status === 503) {
      if (res.body.error?.code !== 'recovering') throw new Error(`503 with another reason: ${JSON.stringify(res.body)}`)
      refusedWrites++
      await new Promise(resolve => setTimeout(resolve, 20))
    } else {
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }
  const lastWrite = Date.now()
  let lost = 0
  let convergeMs = -1
  try {
    lost = await waitFor('equal roots', async () => await missingEverywhere(lattice.nodes, acknowledged), { timeoutMs: options.convergeTimeoutMs ?? 60_000, intervalMs: 100 })
    convergeMs = Date.now() - lastWrite
  } catch {
    // not converged by the deadline: count what is missing where, with whatever roots there are
    lost = 0
    for (const n of lattice.nodes) {
      for (const r of acknowledged) {
        const res = await n.api(`/api/lattice/records/${r.id}`)
        if (res.status !== 200) lost++
      }
    }
  }
  const final = await status(restarted)
  watchRecovery(final)
  let equivocations = 0
  for (const n of lattice.nodes) {
    equivocations += await metric(n, 'lattice_ledger_equivocations_total')
    if (/equivocation detected/.test(n.logs())) equivocations++
  }
  return {
    damage: options.damage,
    acknowledgedBefore,
    reportedMissing,
    recovered: final.recovery?.recovered_records ?? -1,
    refusedWrites,
    notReadyRecovering,
    acknowledgedAfter: seqsAfter.length,
    firstWriteMs,
    lost,
    equivocations,
    convergeMs,
    seqsAfter
  }
}

/** One line for the test's output (the report quotes these). */
export function describeFigures (f: LostLedgerFigures): string {
  return `lost-ledger[${f.damage}]: ${f.acknowledgedBefore} own records acknowledged before; ` +
    `reported missing ${f.reportedMissing}; recovered ${f.recovered}; ${f.refusedWrites} writes refused (503 recovering), /readyz not ready (recovering) ${f.notReadyRecovering} times, first write acknowledged ` +
    `${f.firstWriteMs} ms after spawn at seq ${f.seqsAfter[0]}; ${f.acknowledgedAfter} acknowledged after; lost ${f.lost}; equivocations ${f.equivocations}; ` +
    `roots equal ${f.convergeMs} ms after the last write`
}
