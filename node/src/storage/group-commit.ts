/**
 * Group commit: operations submitted while a flush is pending are written in ONE transaction
 * (BEGIN IMMEDIATE … COMMIT), so a burst of concurrent writes costs one fsync instead of one each.
 *
 * The flush runs on setImmediate, after the current poll phase: every request that arrived in the
 * same event-loop turn joins the group. An optional async `prepare` runs first (the ledger signs its
 * new records there, on a worker thread, while the event loop stays free); then the transaction runs
 * synchronously (node:sqlite), so no other code observes a half-applied group. Transactions run one
 * at a time, in submission order. Preparing is pipelined: the moment a group's prepare has finished,
 * what was submitted meanwhile becomes the next group and starts its prepare, before the first
 * group's transaction, so the next signatures are made on the other core while this one commits;
 * at most one group prepares at a time. If the transaction fails, every caller of the group is
 * rejected and `rollback` lets the owner discard what it prepared; otherwise `commit` publishes it.
 */
import type { DatabaseSync } from 'node:sqlite'

/** What the owner's executor returns for one group. */
export interface GroupOutcome<R> {
  /** One per submitted op, same order: a value to resolve with, or an Error to reject that caller with. */
  results: Array<R | Error>
  /** Runs after COMMIT succeeded: publish the prepared state to memory. Must not throw. */
  commit(): void
  /** Runs after the transaction failed and was rolled back. Must not throw. */
  rollback(): void
}

export interface GroupCommitInit<Op, R> {
  db: DatabaseSync
  /**
   * Async work before the transaction (e.g. signing on a worker thread). It may run while the
   * previous group is still waiting for or inside its transaction (never while another prepare
   * runs): what it assumes about that group, `execute` must check. Throwing rejects the whole group.
   */
  prepare?(ops: Op[]): Promise<void>
  /** After each group, committed or failed (or failed to prepare): the owner forgets what it reserved for it. */
  settled?(ops: Op[]): void
  /** Runs inside the open transaction; throws to fail the whole group. */
  execute(ops: Op[]): GroupOutcome<R>
  /** Maps a transaction failure to the error the callers get. */
  mapError?(err: unknown): Error
  /** Observability: called after each successful commit. */
  onCommit?(info: { ops: number, seconds: number }): void
  onFailure?(err: unknown): void
  /** Size of an op (e.g. its record count), for maxGroupWeight. Default 1. */
  weight?(op: Op): number
  /**
   * Upper bound of one transaction's total weight: a group is synchronous, so an unbounded one would
   * stall the event loop. Ops beyond it wait for the next flush (which lets I/O run in between).
   * One op is always taken, however heavy. Default: no bound.
   */
  maxGroupWeight?: number
}

export interface GroupCommitter<Op, R> {
  submit(op: Op): Promise<R>
  /** Number of ops waiting for the next flush. */
  readonly pending: number
  /** Number of committed transactions so far. */
  readonly commits: number
  /** Resolves once everything submitted so far has been flushed. */
  drain(): Promise<void>
}

interface Waiter<Op, R> {
  op: Op
  resolve(value: R): void
  reject(err: Error): void
}

class SqliteGroupCommitter<Op, R> implements GroupCommitter<Op, R> {
  private queue: Array<Waiter<Op, R>> = []
  private scheduled = false
  /** A group is in its prepare. */
  private preparing = false
  /** Groups taken and not settled yet (at most two: one committing or waiting, one preparing). */
  private active = 0
  /** The last group's run: the next one's transaction waits for it (transactions in order). */
  private chain: Promise<void> = Promise.resolve()
  private drainWaiters: Array<() => void> = []
  commits = 0

  constructor (private readonly init: GroupCommitInit<Op, R>) {}

  get pending (): number {
    return this.queue.length
  }

  async submit (op: Op): Promise<R> {
    return await new Promise<R>((resolve, reject) => {
      this.queue.push({ op, resolve, reject })
      this.schedule()
    })
  }

  async drain (): Promise<void> {
    if (this.idle()) return
    await new Promise<void>((resolve) => { this.drainWaiters.push(resolve) })
  }

  private idle (): boolean {
    return this.queue.length === 0 && !this.scheduled && this.active === 0
  }

  private canStart (): boolean {
    return !this.preparing && this.active < 2
  }

  private schedule (): void {
    if (this.scheduled || !this.canStart()) return
    this.scheduled = true
    setImmediate(() => { this.flush() })
  }

  private flush (): void {
    this.scheduled = false
    if (!this.canStart()) return
    const group = this.takeGroup()
    if (group.length === 0) {
      this.settled()
      return
    }
    if (this.init.prepare === undefined) {
      this.runGroup(group)
      this.init.settled?.(group.map((w) => w.op))
      this.settled()
      return
    }
    this.active++
    this.preparing = true
    const ops = group.map((w) => w.op)
    const previous = this.chain
    const run = this.init.prepare(ops).then(
      () => {
        this.preparing = false
        // The next group starts preparing now, before this one's transaction blocks the thread.
        if (this.queue.length > 0 && !this.scheduled && this.canStart()) this.flush()
        return previous.then(() => { this.runGroup(group) })
      },
      async (err: unknown) => {
        this.preparing = false
        await previous
        this.fail(group, err)
      }
    ).finally(() => {
      this.active--
      this.init.settled?.(ops)
      this.settled()
    })
    // The next transaction waits for this one whatever happened to it.
    this.chain = run.catch(() => {})
  }

  /** After a group: start the next one, or wake drain() waiters. */
  private settled (): void {
    if (this.queue.length > 0) {
      this.schedule()
      return
    }
    if (!this.idle()) return
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const w of waiters) w()
  }

  private takeGroup (): Array<Waiter<Op, R>> {
    const max = this.init.maxGroupWeight
    if (max === undefined) {
      const all = this.queue
      this.queue = []
      return all
    }
    let total = 0
    let n = 0
    while (n < this.queue.length) {
      const w = this.init.weight?.(this.queue[n].op) ?? 1
      if (n > 0 && total + w > max) break
      total += w
      n++
    }
    return this.queue.splice(0, n)
  }

  private fail (group: Array<Waiter<Op, R>>, err: unknown): void {
    this.init.onFailure?.(err)
    const mapped = this.init.mapError?.(err) ?? (err instanceof Error ? err : new Error(String(err)))
    for (const w of group) w.reject(mapped)
  }

  private runGroup (group: Array<Waiter<Op, R>>): void {
    const { db } = this.init
    const started = performance.now()
    let outcome: GroupOutcome<R> | undefined
    try {
      db.exec('BEGIN IMMEDIATE')
      try {
        outcome = this.init.execute(group.map((w) => w.op))
        db.exec('COMMIT')
      } catch (err) {
        // COMMIT may already have rolled back (e.g. SQLITE_FULL); ROLLBACK then fails harmlessly.
        try {
          db.exec('ROLLBACK')
        } catch {}
        throw err
      }
    } catch (err) {
      outcome?.rollback()
      this.fail(group, err)
      return
    }
    this.commits++
    outcome.commit()
    this.init.onCommit?.({ ops: group.length, seconds: (performance.now() - started) / 1000 })
    for (let i = 0; i < group.length; i++) {
      const r = outcome.results[i]
      if (r instanceof Error) group[i].reject(r)
      else group[i].resolve(r)
    }
  }
}

export function createGroupCommitter<Op, R> (init: GroupCommitInit<Op, R>): GroupCommitter<Op, R> {
  return new SqliteGroupCommitter(init)
}
