/**
 * One run per key at a time; a trigger that arrives while the key runs asks for exactly one more run
 * after it (not one per trigger). Catch-ups use it per peer: a burst of gaps or heartbeats costs one
 * exchange in flight plus one follow-up that sees everything the burst announced.
 */
export class SingleFlight {
  private readonly running = new Map<string, { again: boolean, done: Promise<void> }>()

  /** Run `task` for `key` now, or once more after the current run. `keepGoing` can stop the follow-up. */
  trigger (key: string, task: () => Promise<void>, keepGoing: () => boolean = () => true): void {
    const slot = this.running.get(key)
    if (slot !== undefined) { slot.again = true; return }
    const next = { again: false, done: Promise.resolve() }
    this.running.set(key, next)
    next.done = (async () => {
      try {
        do {
          next.again = false
          // a failing task must not end as an unhandled rejection (it would stop the process)
          await task().catch(() => {})
        } while (next.again && keepGoing())
      } finally {
        this.running.delete(key)
      }
    })()
  }

  isRunning (key: string): boolean {
    return this.running.has(key)
  }

  /** Resolves when every run in flight has finished. Tasks report their own errors: a rejection is dropped here. */
  async settled (): Promise<void> {
    await Promise.allSettled([...this.running.values()].map(async s => { await s.done }))
  }
}
