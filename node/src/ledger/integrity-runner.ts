/**
 * Keeps the ledger's integrity report: what the open found, the full check (in a worker thread, or
 * in-process where a worker cannot start), and equivocations as they are detected. Every report is
 * made by buildReport (integrity.ts) from a scan plus what memory knows, so the three sources cannot
 * word or count things differently.
 */
import { ROOT_MISMATCH_AT_OPEN } from './cold-start.js'
import { META_COUNT, META_ROOT, META_VERIFIED, type LedgerCore } from './core.js'
import { LedgerClosedError } from './errors.js'
import type { IntegrityCheckOptions, IntegrityReport } from './interface.js'
import { buildReport, IntegrityWorkerError, scanInProcess, scanInWorker, type IntegrityScan, type IntegritySnapshot, type RunningScan } from './integrity.js'
import type { ReadGuard } from './read-guard.js'

export interface IntegrityRunnerInit {
  /** Records verified per chunk. */
  chunkSize: number
  /** Run the check in a worker thread; false runs it in-process, in chunks. */
  inWorker: boolean
  /** PRAGMA quick_check instead of integrity_check in the worker. */
  quickCheck: boolean
}

export interface IntegrityRunner {
  /**
   * Runs the check (one at a time: a second caller waits for the running one; a full check asked for
   * while an incremental one runs then runs itself). Incremental: the records after the durable mark only.
   */
  check(options?: IntegrityCheckOptions): Promise<IntegrityReport>
  /** The open's own findings: published at once when there is anything to say. */
  opened(problems: string[]): void
  /** The set of known equivocations grew: the report must show it now, not at the next check. */
  equivocationsChanged(): void
  last(): IntegrityReport | undefined
  /** Stops a running check and waits for it to settle. */
  stop(): Promise<void>
}

/** What the current report was built from, so an equivocation can be added without a new scan. */
interface ReportBasis {
  scan: IntegrityScan
  knownProblems: string[]
  checkedAt: number
  durationMs: number
}

export function createIntegrityRunner (init: IntegrityRunnerInit, core: LedgerCore, guard: ReadGuard): IntegrityRunner {
  let report: IntegrityReport | undefined
  let basis: ReportBasis | undefined
  let openProblems: string[] = []
  let running: Promise<IntegrityReport> | undefined
  let scan: RunningScan | undefined

  const equivocations = (): Parameters<typeof buildReport>[1]['equivocations'] => [...core.state.equivocations.values()]
  const publish = (next: ReportBasis): IntegrityReport => {
    basis = next
    report = buildReport(next.scan, { ...next, equivocations: equivocations() })
    core.metrics.integrityOk.set(report.status === 'healthy' ? 1 : 0)
    return report
  }
  /** What memory alone can tell (no scan ran): the tree's root and size, structure as the open saw it. */
  const memoryBasis = (merkleOk: boolean, knownProblems: string[]): ReportBasis => ({
    scan: { sqliteOk: true, merkleOk, signaturesOk: true, scanned: core.state.count, verified: 0, fromLsn: 0, root: core.state.merkle.root(), errors: [] },
    knownProblems,
    checkedAt: core.now(),
    durationMs: 0
  })

  const run = async (incremental: boolean): Promise<IntegrityReport> => {
    const started = performance.now()
    // Taken synchronously: the stored root describes exactly the rows up to lastLsn, as does memory.
    const stored = core.store.getMeta(META_COUNT)
    const snapshot: IntegritySnapshot = { lastLsn: core.state.lastLsn, storedRoot: core.store.getMeta(META_ROOT), storedCount: stored === undefined ? undefined : Number(stored) }
    // An open that found anything wrong (a root differing from the stored one, gaps) gets the full check:
    // commits since the open have stored memory's root, so only a full scan still sees the difference.
    const fromLsn = incremental && openProblems.length === 0 ? verifiedMark(core, snapshot.lastLsn) : 0
    if (fromLsn > 0) snapshot.incremental = { fromLsn, root: core.state.merkle.root(), count: core.state.count }
    let result: IntegrityScan
    try {
      if (!init.inWorker) throw new IntegrityWorkerError('worker disabled')
      scan = scanInWorker({ dbPath: core.dbPath, snapshot, chunkSize: init.chunkSize, quick: init.quickCheck })
      result = await scan.result
    } catch (err) {
      if (core.lifecycle.closing) throw new LedgerClosedError()
      if (!(err instanceof IntegrityWorkerError)) throw err
      if (init.inWorker) core.log.warn('integrity worker unavailable, checking in-process', { err: err.message })
      scan = scanInProcess(core.store, snapshot, { chunkSize: init.chunkSize })
      result = await scan.result
    } finally {
      scan = undefined
    }
    if (core.lifecycle.closing) throw new LedgerClosedError()
    const next = publish({
      scan: result,
      // The scan reports a differing root itself; the rest of the open's findings it cannot see.
      knownProblems: openProblems.filter((p) => !p.startsWith(ROOT_MISMATCH_AT_OPEN)),
      checkedAt: core.now(),
      durationMs: performance.now() - started
    })
    if (next.status === 'healthy') {
      // Rows an earlier process verified may have been altered on disk since: only a full check lets
      // the read guard stop verifying them as they are served.
      if (fromLsn === 0) guard.verifiedUpTo(snapshot.lastLsn)
      markVerified(core, snapshot.lastLsn)
    }
    if (next.status === 'unhealthy') core.log.warn('ledger integrity check failed', { errors: next.errors.slice(0, 5) })
    return next
  }

  const check = async (options: IntegrityCheckOptions = {}): Promise<IntegrityReport> => {
    if (core.lifecycle.closing || core.lifecycle.closed) throw new LedgerClosedError()
    const incremental = options.incremental === true
    if (running !== undefined) {
      const report = await running
      // A full check asked for while an incremental one ran must still cover every record.
      return incremental || report.mode !== 'incremental' ? report : await check(options)
    }
    const current = run(incremental).finally(() => { running = undefined })
    running = current
    return await current
  }

  return {
    check,
    opened (problems) {
      openProblems = problems
      // What open could check (structure, Merkle root) passed or not; the full check refines it.
      core.metrics.integrityOk.set(problems.length === 0 && core.state.equivocations.size === 0 ? 1 : 0)
      if (problems.length > 0 || core.state.equivocations.size > 0) publish(memoryBasis(problems.length === 0, problems))
    },
    equivocationsChanged () {
      publish(basis ?? memoryBasis(true, []))
    },
    last: () => report,
    async stop () {
      scan?.abort()
      if (running !== undefined) await running.catch(() => undefined)
    }
  }
}

/**
 * The durable "verified up to" mark, `<lsn> <id>`: the lsn a healthy check covered and the id of the
 * record there. It counts only while that lsn still holds that id: a ledger cut back by a lost WAL tail
 * reuses lsns for new records, and those must be verified.
 */
function verifiedMark (core: LedgerCore, lastLsn: number): number {
  const [lsnText, id] = (core.store.getMeta(META_VERIFIED) ?? '').split(' ')
  const lsn = Number(lsnText)
  if (!Number.isSafeInteger(lsn) || lsn <= 0 || lsn > lastLsn) return 0
  const [row] = core.store.rowsBetween(lsn - 1, lsn, 1)
  return row?.lsn === lsn && row.id === id ? lsn : 0
}

/** Moves the mark after a healthy check; a failed write only costs a longer check at the next start. */
function markVerified (core: LedgerCore, lsn: number): void {
  try {
    const [row] = core.store.rowsBetween(lsn - 1, lsn, 1)
    if (row === undefined || row.lsn !== lsn) return
    // One statement, its own transaction; a group's transaction never spans an await, so none is open.
    core.store.setMeta(META_VERIFIED, `${lsn} ${row.id}`)
  } catch (err) {
    core.log.warn('could not store the integrity mark', { err: (err as Error).message })
  }
}
