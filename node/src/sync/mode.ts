/**
 * The sync mode machine: pure, driven by inputs with explicit times (no clock, no timers, no I/O).
 *
 * Settings: `p2p` (gossip only, never HTTP), `http` (HTTP polling only, no gossip), `auto`:
 * gossip while the node has peers; HTTP sync on after `peerlessTimeoutMs` without any peer (failover);
 * off again once peers are back AND one P2P catch-up with them has completed (recovery), so records
 * written during the cut are known to have crossed before HTTP stops.
 */
import type { EffectiveMode, SyncModeSetting } from './interface.js'

export type ModeTransition = 'failover' | 'recovery'

export interface ModeView {
  setting: SyncModeSetting
  effective: EffectiveMode
  httpSyncEnabled: boolean
  /** Gossip (publish and process) allowed: not in `http` mode. */
  gossipEnabled: boolean
  peerCount: number
  /** Since when the node has had no peers (ms), null while it has some. */
  peerlessSince: number | null
  /** In auto with HTTP on and peers back: the machine waits for a P2P catch-up to complete. */
  awaitingCatchup: boolean
}

export interface ModeStep {
  view: ModeView
  /** Set when this input caused an automatic failover or recovery. */
  transition?: ModeTransition
}

export interface ModeMachineInit {
  setting: SyncModeSetting
  peerlessTimeoutMs: number
  /** Time of creation (ms): the node starts peerless. */
  now: number
}

export class ModeMachine {
  private setting: SyncModeSetting
  private readonly peerlessTimeoutMs: number
  private peerCount = 0
  private peerlessSince: number | null
  private httpOn: boolean

  constructor (init: ModeMachineInit) {
    this.setting = init.setting
    this.peerlessTimeoutMs = init.peerlessTimeoutMs
    this.peerlessSince = init.now
    this.httpOn = init.setting === 'http'
  }

  view (): ModeView {
    return {
      setting: this.setting,
      effective: this.effective(),
      httpSyncEnabled: this.httpOn,
      gossipEnabled: this.setting !== 'http',
      peerCount: this.peerCount,
      peerlessSince: this.peerlessSince,
      awaitingCatchup: this.setting === 'auto' && this.httpOn && this.peerCount > 0
    }
  }

  /** The number of connected peers changed. */
  peers (count: number, now: number): ModeStep {
    this.peerCount = Math.max(0, count)
    if (this.peerCount === 0) {
      if (this.peerlessSince === null) this.peerlessSince = now
    } else {
      this.peerlessSince = null
    }
    return this.evaluate(now)
  }

  /** A P2P catch-up with a connected peer completed (records pulled or nothing missing). */
  catchupCompleted (now: number): ModeStep {
    if (this.setting === 'auto' && this.httpOn && this.peerCount > 0) {
      this.httpOn = false
      return { view: this.view(), transition: 'recovery' }
    }
    return this.evaluate(now)
  }

  /** Time passes. */
  tick (now: number): ModeStep {
    return this.evaluate(now)
  }

  /** Operator switch. Manual changes are not failovers or recoveries. */
  switch (setting: SyncModeSetting, now: number): ModeStep {
    this.setting = setting
    if (setting === 'http') this.httpOn = true
    if (setting === 'p2p') this.httpOn = false
    // back to auto: HTTP stays on if it was (peerless, or peers present but not yet caught up over
    // P2P); it goes off only through a recovery, on automatically only through a failover
    return this.evaluate(now)
  }

  private evaluate (now: number): ModeStep {
    if (this.setting === 'auto' && !this.httpOn && this.peerCount === 0 && this.peerlessSince !== null &&
      now - this.peerlessSince >= this.peerlessTimeoutMs) {
      this.httpOn = true
      return { view: this.view(), transition: 'failover' }
    }
    return { view: this.view() }
  }

  private effective (): EffectiveMode {
    if (this.setting === 'http') return 'HTTP'
    if (this.setting === 'p2p') return this.peerCount > 0 ? 'P2P' : 'NONE'
    if (this.httpOn) return 'HTTP'
    return this.peerCount > 0 ? 'P2P' : 'NONE'
  }
}
