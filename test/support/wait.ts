/** Poll a condition until it holds or the deadline passes: tests wait on conditions, never on sleeps. */
export async function waitFor<T> (
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number, intervalMs?: number, message?: string | (() => string) } = {}
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20000)
  const interval = options.intervalMs ?? 50
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const message = typeof options.message === 'function' ? options.message() : options.message ?? 'condition'
      throw new Error(`timed out after ${options.timeoutMs ?? 20000} ms waiting for ${message}${lastError !== undefined ? ` (last error: ${(lastError as Error).message})` : ''}`)
    }
    await new Promise(resolve => setTimeout(resolve, interval))
  }
}
