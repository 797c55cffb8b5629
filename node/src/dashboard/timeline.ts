/**
 * Pure timeline logic: turning status snapshots into samples and trimming samples and events to the
 * window. No clock, no timers, no I/O: the sampler supplies the time. Mode-change events are not
 * derived here: they are the sync service's transition events (sync/transitions.ts).
 */
import type { P2PStatus } from '../sync/interface.js'
import type { TimelineSample } from './interface.js'

/** A sample at time t; the rate is measured against the previous sample. */
export function makeSample (prev: TimelineSample | undefined, status: P2PStatus, t: number): TimelineSample {
  let rate = 0
  if (prev !== undefined && t > prev.t) {
    // Counts only grow; a smaller count (a restore from an older backup) is not negative throughput.
    rate = Math.max(0, status.record_count - prev.record_count) / ((t - prev.t) / 1000)
  }
  return {
    t,
    peer_count: status.peer_count,
    mode: status.mode,
    http_sync_enabled: status.http_sync_enabled,
    record_count: status.record_count,
    records_per_second: Math.round(rate * 100) / 100
  }
}

/** Whether a sample is due: tolerance absorbs timer jitter so a 1 s check still yields ~5 s samples. */
export function sampleDue (last: TimelineSample | undefined, t: number, intervalMs: number, toleranceMs: number): boolean {
  return last === undefined || t - last.t >= intervalMs - toleranceMs
}

/** Drops entries older than `cutoff`, keeping order; returns the same array when nothing is dropped. */
export function trimBefore<T extends { t: number }> (entries: T[], cutoff: number): T[] {
  let first = 0
  while (first < entries.length && entries[first].t < cutoff) first++
  return first === 0 ? entries : entries.slice(first)
}
