import { describe, expect, it } from '@jest/globals'
import { createWorkQueue } from './work-queue.js'
import { createRateLimiter } from './rate-limiter.js'

async function within<T> (p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), ms) })
  try { return await Promise.race([p, t]) } finally { clearTimeout(timer) }
}

describe('work queue', () => {
  it('de-duplicates keys that wait', async () => {
    const q = createWorkQueue()
    q.add('a'); q.add('b'); q.add('a'); q.add('a')
    expect(q.len()).toBe(2)
    expect(await q.get()).toBe('a')
    expect(await q.get()).toBe('b')
    expect(q.len()).toBe(0)
    q.shutdown()
  })
  it('a key re-added while in process is handed out again only after done, never concurrently', async () => {
    const q = createWorkQueue()
    q.add('a')
    const k = await q.get()
    expect(k).toBe('a')
    q.add('a')
    q.add('a')
    expect(q.len()).toBe(0)
    // A second worker must not get 'a' while the first holds it.
    const second = q.get()
    expect(await within(second, 50)).toBe('timeout')
    q.done('a')
    expect(await within(second, 2000)).toBe('a')
    q.done('a')
    expect(await within(q.get(), 50)).toBe('timeout')
    q.shutdown()
  })
  it('a waiting worker wakes on add; shutdown releases waiters with undefined', async () => {
    const q = createWorkQueue()
    const w = q.get()
    q.add('x')
    expect(await w).toBe('x')
    const w2 = q.get()
    q.shutdown()
    expect(await w2).toBeUndefined()
    q.add('y')
    expect(q.len()).toBe(0)
  })
  it('addAfter keeps the earliest deadline and delivers once', async () => {
    const q = createWorkQueue()
    q.addAfter('a', 60_000)
    q.addAfter('a', 10)
    q.addAfter('a', 30_000)
    expect(await within(q.get(), 5000)).toBe('a')
    q.done('a')
    expect(await within(q.get(), 100)).toBe('timeout')
    q.shutdown()
  })
  it('addRateLimited backs off per key and forget resets', async () => {
    const q = createWorkQueue({}, { rateLimiter: createRateLimiter({ baseMs: 1 }) })
    q.addRateLimited('a')
    q.addRateLimited('a')
    expect(q.retries('a')).toBe(2)
    expect(await within(q.get(), 5000)).toBe('a')
    q.forget('a')
    expect(q.retries('a')).toBe(0)
    q.shutdown()
  })
})
