/**
 * Mode transitions as events: `failover`, `recovery` and `mode_switch`, defined once, here, from the
 * mode machine's own steps. The sync metrics and the dashboard's timeline both consume these events
 * (neither derives them again from what it observes), so a chart and a counter cannot disagree.
 */
import { EventEmitter } from 'node:events'
import type { TimelineEvent } from '../../../packages/contracts/src/node-api.js'
import type { ModeStep, ModeView } from './mode.js'

/** One transition; the shape the timeline serves (`GET /api/lattice/timeline` events). */
export type SyncTransition = TimelineEvent

export type TransitionListener = (event: SyncTransition) => void

/** Where transitions can be heard: the sync service is one. */
export interface TransitionSource {
  on(event: 'transition', listener: TransitionListener): void
  off(event: 'transition', listener: TransitionListener): void
}

/**
 * The transitions one mode step caused, given the view before it: a `mode_switch` when the configured
 * mode changed, and the machine's own `failover` / `recovery` with the effective modes around it. A
 * switch to `auto` after the peerless timeout has passed is both: the switch, and the failover the
 * automatic rules make at once.
 */
export function transitionsOf (before: ModeView, step: ModeStep, t: number): SyncTransition[] {
  const after = step.view
  const events: SyncTransition[] = []
  if (before.setting !== after.setting) events.push({ t, kind: 'mode_switch', from: before.setting, to: after.setting })
  if (step.transition !== undefined) events.push({ t, kind: step.transition, from: before.effective, to: after.effective })
  return events
}

/** Fans transitions out to listeners; a listener that throws is reported, never breaks the others. */
export class TransitionFeed implements TransitionSource {
  private readonly emitter = new EventEmitter()

  constructor (private readonly onListenerError: (err: Error) => void) {
    this.emitter.setMaxListeners(0)
  }

  on (event: 'transition', listener: TransitionListener): void { this.emitter.on(event, listener) }
  off (event: 'transition', listener: TransitionListener): void { this.emitter.off(event, listener) }

  emit (event: SyncTransition): void {
    for (const listener of this.emitter.listeners('transition') as TransitionListener[]) {
      try {
        listener(event)
      } catch (err) {
        this.onListenerError(err as Error)
      }
    }
  }
}
