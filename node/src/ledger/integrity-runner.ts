/**
 * Keeps the ledger's integrity report: what the open found, the full check (in a worker thread, or
 * in-process where a worker cannot start), and equivocations as they are detected. Every report is
 * made by buildReport (integrity.ts) from a scan plus what memory knows, so the three sources cannot
 * word or count things differently.
 */
import { ROOT_MISMATCH_AT_OPEN } from './cold-start.js'
import { META_COUNT, META_ROOT, type LedgerCore } from './core.js'
import { LedgerClosedError } from './errors.js'
import type { IntegrityReport } from './interface.js'
import { buildReport, IntegrityWorkerError, scanInProcess, scanInWorker, type IntegrityScan, type RunningScan } from './integrity.js'
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
  /** Runs the full check (one at a time: a second caller gets the running one). */
  check(): Promise<IntegrityReport>
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
    scan: { sqliteOk: true, merkleOk, signaturesOk: true, scanned: core.state.count, root: core.state.merkle.root(), errors: [] },
    knownProblems,
    checkedAt: core.now(),
    durationMs: 0
  })

  const run = async (): Promise<IntegrityReport> => {
    const started = performance.now()
    // Taken synchronously: the stored root describes exactly the rows up to lastLsn.
    const stored = core.store.getMeta(META_COUNT)
    const snapshot = { lastLsn: core.state.lastLsn, storedRoot: core.store.getMeta(META_ROOT), storedCount: stored === undefined ? undefined : Number(stored) }
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
    if (next.status === 'healthy') guard.verifiedUpTo(snapshot.lastLsn)
    if (next.status === 'unhealthy') core.log.warn('ledger integrity check failed', { errors: next.errors.slice(0, 5) })
    return next
  }

  return {
    async check () {
      if (core.lifecycle.closing || core.lifecycle.closed) throw new LedgerClosedError()
      if (running !== undefined) return await running
      const current = run().finally(() => { running = undefined })
      running = current
      return await current
    },
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
