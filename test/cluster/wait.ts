import { WaitTimeoutError } from './errors.js'

export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws WaitTimeoutError
 * after the deadline. Tests wait on conditions with a deadline, never on fixed sleeps.
 */
export async function waitFor<T> (what: string, check: () => Promise<T | undefined | false> | T | undefined | false, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000
  const intervalMs = opts.intervalMs ?? 100
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) throw new WaitTimeoutError(what, timeoutMs, lastError)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}
