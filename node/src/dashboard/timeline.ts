/**
 * Pure timeline logic: turning status snapshots into samples and mode-change events, and trimming
 * them to the window. No clock, no timers, no I/O: the sampler supplies the time.
 */
import type { EffectiveMode, P2PStatus, SyncModeSetting } from '../sync/interface.js'
import type { TimelineEvent, TimelineSample } from './interface.js'

/** What the event detector remembers between looks. */
export interface ModeObservation {
  mode: EffectiveMode
  sync_mode: SyncModeSetting
  /** The last effective mode that was not NONE: what a return to P2P recovers from. */
  last_active: 'P2P' | 'HTTP' | null
}

export function observe (prev: ModeObservation | undefined, status: Pick<P2PStatus, 'mode' | 'sync_mode'>): ModeObservation {
  const lastActive = status.mode === 'NONE' ? prev?.last_active ?? null : status.mode
  return { mode: status.mode, sync_mode: status.sync_mode, last_active: lastActive }
}

/**
 * The events between two looks at the status. A change of the configured mode is a `mode_switch`
 * (and the effective change that goes with it is its consequence, not a failover). Otherwise an
 * effective change to HTTP is a failover, and a return to P2P after HTTP a recovery. A node that
 * reaches P2P from NONE without HTTP in between (start-up, peers back within the peerless timeout)
 * has not recovered from anything: that is visible in the samples and not marked.
 */
export function detectEvents (prev: ModeObservation | undefined, cur: ModeObservation, t: number): TimelineEvent[] {
  if (prev === undefined) return []
  if (prev.sync_mode !== cur.sync_mode) {
    return [{ t, kind: 'mode_switch', from: prev.sync_mode, to: cur.sync_mode }]
  }
  if (prev.mode === cur.mode) return []
  if (cur.mode === 'HTTP') return [{ t, kind: 'failover', from: prev.mode, to: cur.mode }]
  if (cur.mode === 'P2P' && prev.last_active === 'HTTP') return [{ t, kind: 'recovery', from: prev.mode, to: cur.mode }]
  return []
}

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
