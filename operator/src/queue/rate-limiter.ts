/**
 * controller-runtime's default rate limiter: the larger of a per-item exponential backoff (5 ms
 * doubling to 1000 s) and an overall token bucket (10 qps, burst 100). The clock is injected.
 */

export interface RateLimiter {
  /** Delay before `key` may be processed again; counts a failure of `key`. */
  when(key: string): number
  /** Forget `key`'s failures (after a success). */
  forget(key: string): void
  /** Failures counted for `key`. */
  retries(key: string): number
}

export interface ExponentialInit { baseMs?: number, maxMs?: number }
export interface BucketInit { qps?: number, burst?: number }
export interface RateLimiterInit extends ExponentialInit, BucketInit {}
export interface RateLimiterComponents { now?: () => number }

class ItemExponential implements RateLimiter {
  private readonly failures = new Map<string, number>()
  constructor (private readonly baseMs: number, private readonly maxMs: number) {}
  when (key: string): number {
    const n = this.failures.get(key) ?? 0
    this.failures.set(key, n + 1)
    // 2^n overflows to Infinity for large n; min() keeps it at the cap.
    return Math.min(this.baseMs * Math.pow(2, n), this.maxMs)
  }
  forget (key: string): void { this.failures.delete(key) }
  retries (key: string): number { return this.failures.get(key) ?? 0 }
}

/** Token bucket with reservations: each call takes a token, now or in the future. */
class Bucket implements RateLimiter {
  private tokens: number
  private last: number
  constructor (private readonly qps: number, private readonly burst: number, private readonly now: () => number) {
    this.tokens = burst
    this.last = now()
  }
  when (): number {
    const t = this.now()
    this.tokens = Math.min(this.burst, this.tokens + (t - this.last) * this.qps / 1000)
    this.last = t
    this.tokens -= 1
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens * 1000 / this.qps)
  }
  forget (): void {}
  retries (): number { return 0 }
}

class MaxOf implements RateLimiter {
  constructor (private readonly limiters: RateLimiter[]) {}
  when (key: string): number { return Math.max(...this.limiters.map(l => l.when(key))) }
  forget (key: string): void { for (const l of this.limiters) l.forget(key) }
  retries (key: string): number { return Math.max(...this.limiters.map(l => l.retries(key))) }
}

export function createRateLimiter (init: RateLimiterInit = {}, components: RateLimiterComponents = {}): RateLimiter {
  const now = components.now ?? Date.now
  return new MaxOf([
    new ItemExponential(init.baseMs ?? 5, init.maxMs ?? 1_000_000),
    new Bucket(init.qps ?? 10, init.burst ?? 100, now)
  ])
}
