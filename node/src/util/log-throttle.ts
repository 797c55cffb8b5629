import type { Logger } from '../../../packages/log/src/index.js'

/**
 * Warnings a remote peer can trigger at will (malformed gossip, records of non-members, refused
 * catch-ups) are logged at most once per key per window; the next line after the window says how many
 * were suppressed in between. Without this, a flooding peer turns the log into the flood.
 */
export interface ThrottledWarnings {
  warn(key: string, message: string, meta?: Record<string, unknown>): void
}

/** Keys kept at most: past that the table starts again (a peer cycling keys cannot grow it). */
const MAX_KEYS = 1000

export function throttleWarnings (logger: Logger, windowMs = 10_000, clock: () => number = Date.now): ThrottledWarnings {
  const windows = new Map<string, { until: number, suppressed: number }>()
  return {
    warn (key, message, meta = {}) {
      const now = clock()
      const id = `${message}\u0000${key}`
      const window = windows.get(id)
      if (window !== undefined && now < window.until) {
        window.suppressed++
        return
      }
      if (windows.size >= MAX_KEYS) windows.clear()
      logger.warn(message, window !== undefined && window.suppressed > 0 ? { ...meta, suppressed: window.suppressed } : meta)
      windows.set(id, { until: now + windowMs, suppressed: 0 })
    }
  }
}
