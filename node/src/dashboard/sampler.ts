import { makeSample, sampleDue, trimBefore } from './timeline.js'
import type { SyncTransition } from '../sync/transitions.js'
import type {
  Clock, Timeline, TimelineEvent, TimelineSample, TimelineSampler, TimelineSamplerComponents, TimelineSamplerInit
} from './interface.js'

export const DEFAULT_SAMPLE_INTERVAL_MS = 5_000
export const DEFAULT_WINDOW_MS = 15 * 60_000
export const DEFAULT_CHECK_INTERVAL_MS = 1_000

const systemClock: Clock = { now: () => Date.now() }

class DefaultTimelineSampler implements TimelineSampler {
  private readonly sampleIntervalMs: number
  private readonly windowMs: number
  private readonly checkIntervalMs: number
  private readonly peerlessTimeoutMs: number | null
  private readonly components: TimelineSamplerComponents
  private readonly clock: Clock
  private samples: TimelineSample[] = []
  private events: TimelineEvent[] = []
  private timer: NodeJS.Timeout | undefined
  private listening = false
  /** Transitions come from the sync service as they happen (the same events its metrics count). */
  private readonly onTransition = (e: SyncTransition): void => { this.events.push(e) }
  private failing = false

  constructor (init: TimelineSamplerInit, components: TimelineSamplerComponents) {
    this.sampleIntervalMs = init.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS
    this.windowMs = init.windowMs ?? DEFAULT_WINDOW_MS
    this.checkIntervalMs = Math.min(init.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS, this.sampleIntervalMs)
    this.peerlessTimeoutMs = init.peerlessTimeoutMs ?? null
    this.components = components
    this.clock = components.clock ?? systemClock
    this.listen()
  }

  private listen (): void {
    if (this.listening) return
    this.components.transitions?.on('transition', this.onTransition)
    this.listening = true
  }

  start (): void {
    this.listen()
    if (this.timer !== undefined) return
    this.tick()
    this.timer = setInterval(() => { this.tick() }, this.checkIntervalMs)
    // The dashboard must never keep a stopping daemon alive.
    this.timer.unref()
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    this.components.transitions?.off('transition', this.onTransition)
    this.listening = false
  }

  tick (): void {
    const t = this.clock.now()
    let status
    try {
      status = this.components.status()
    } catch (err) {
      // The chart gets a gap; the node goes on. Warn once per failing stretch, not every second.
      if (!this.failing) this.components.logger?.warn('dashboard: status unavailable for the timeline', { err })
      this.failing = true
      return
    }
    this.failing = false

    const lastSample = this.samples.at(-1)
    if (sampleDue(lastSample, t, this.sampleIntervalMs, this.checkIntervalMs / 2)) {
      this.samples.push(makeSample(lastSample, status, t))
    }
    const cutoff = t - this.windowMs
    this.samples = trimBefore(this.samples, cutoff)
    this.events = trimBefore(this.events, cutoff)
  }

  timeline (): Timeline {
    return {
      samples: [...this.samples],
      events: [...this.events],
      now: this.clock.now(),
      window_ms: this.windowMs,
      sample_interval_ms: this.sampleIntervalMs,
      peerless_timeout_ms: this.peerlessTimeoutMs
    }
  }
}

export function createTimelineSampler (init: TimelineSamplerInit, components: TimelineSamplerComponents): TimelineSampler {
  return new DefaultTimelineSampler(init, components)
}
