/**
 * A de-duplicating, rate-limited work queue with client-go semantics: a key is queued at most once;
 * a key being processed and added again is queued again when its processing is done (never handed to
 * two workers at once); delayed adds keep the earliest deadline per key.
 */
import { createRateLimiter, type RateLimiter } from './rate-limiter.js'

export interface WorkQueue {
  add(key: string): void
  addAfter(key: string, delayMs: number): void
  /** Add after the rate limiter's delay for this key (counts a failure). */
  addRateLimited(key: string): void
  /** Reset the key's backoff (after a success). */
  forget(key: string): void
  retries(key: string): number
  /** Next key to process, or undefined once shut down. Call done(key) after processing. */
  get(): Promise<string | undefined>
  done(key: string): void
  /** Keys waiting (not counting those in process or delayed). */
  len(): number
  shutdown(): void
  readonly shuttingDown: boolean
}

export interface WorkQueueInit { name?: string }
export interface WorkQueueComponents { rateLimiter?: RateLimiter }

class DefaultWorkQueue implements WorkQueue {
  private readonly queue: string[] = []
  private readonly dirty = new Set<string>()
  private readonly processing = new Set<string>()
  private readonly waiters: Array<(key: string | undefined) => void> = []
  private readonly delayed = new Map<string, { at: number, timer: NodeJS.Timeout }>()
  private readonly limiter: RateLimiter
  shuttingDown = false

  constructor (components: WorkQueueComponents) {
    this.limiter = components.rateLimiter ?? createRateLimiter()
  }

  add (key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return
    this.dirty.add(key)
    if (this.processing.has(key)) return
    this.enqueue(key)
  }

  private enqueue (key: string): void {
    const waiter = this.waiters.shift()
    if (waiter !== undefined) {
      this.dirty.delete(key)
      this.processing.add(key)
      waiter(key)
    } else {
      this.queue.push(key)
    }
  }

  addAfter (key: string, delayMs: number): void {
    if (this.shuttingDown) return
    if (delayMs <= 0) { this.add(key); return }
    const at = Date.now() + delayMs
    const existing = this.delayed.get(key)
    if (existing !== undefined) {
      if (existing.at <= at) return
      clearTimeout(existing.timer)
    }
    const timer = setTimeout(() => { this.delayed.delete(key); this.add(key) }, delayMs)
    timer.unref()
    this.delayed.set(key, { at, timer })
  }

  addRateLimited (key: string): void { this.addAfter(key, this.limiter.when(key)) }
  forget (key: string): void { this.limiter.forget(key) }
  retries (key: string): number { return this.limiter.retries(key) }

  async get (): Promise<string | undefined> {
    if (this.shuttingDown) return undefined
    const key = this.queue.shift()
    if (key !== undefined) {
      this.dirty.delete(key)
      this.processing.add(key)
      return key
    }
    return await new Promise(resolve => this.waiters.push(resolve))
  }

  done (key: string): void {
    this.processing.delete(key)
    // Added while in process: it waited in `dirty`; queue it now that no worker holds it.
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key)
  }

  len (): number { return this.queue.length }

  shutdown (): void {
    this.shuttingDown = true
    for (const d of this.delayed.values()) clearTimeout(d.timer)
    this.delayed.clear()
    for (const w of this.waiters.splice(0)) w(undefined)
  }
}

export function createWorkQueue (_init: WorkQueueInit = {}, components: WorkQueueComponents = {}): WorkQueue {
  return new DefaultWorkQueue(components)
}
