export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
  /** What is awaited, for the timeout error; a function is called only when the wait fails. */
  message?: string | (() => string)
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError'
  constructor (readonly what: string, readonly timeoutMs: number, lastError?: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`)
  }
}

/**
 * Poll a condition until it returns a value other than undefined/false, or throw WaitTimeoutError
 * after the deadline: tests wait on conditions, never on fixed sleeps. A probe that throws counts as
 * "not yet"; its last error is part of the timeout message.
 */
export async function waitFor<T> (
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {}
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20000
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const what = typeof options.message === 'function' ? options.message() : options.message ?? 'condition'
      throw new WaitTimeoutError(what, timeoutMs, lastError)
    }
    await new Promise(resolve => setTimeout(resolve, options.intervalMs ?? 50))
  }
}
