export interface WaitOptions {
  /** Deadline (default 60 s: tests run on a loaded 2-core machine). */
  timeoutMs?: number
  /** Pause between probes (default 100 ms). */
  intervalMs?: number
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError'
  constructor (readonly what: string, readonly timeoutMs: number, lastError?: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`)
  }
}

/**
 * Poll `probe` until it returns a value other than undefined/false, or throw WaitTimeoutError after
 * the deadline: tests wait on conditions, never on fixed sleeps. `what` names the condition for the
 * timeout message (a function is called only when the wait fails, so it can describe the last
 * state). A probe that throws counts as "not yet"; its last error is part of the timeout message.
 */
export async function waitFor<T> (
  what: string | (() => string),
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {}
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) throw new WaitTimeoutError(typeof what === 'function' ? what() : what, timeoutMs, lastError)
    await new Promise(resolve => setTimeout(resolve, options.intervalMs ?? 100))
  }
}
