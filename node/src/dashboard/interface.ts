/**
 * The network status dashboard: the page every node serves at `/`, and the 15-minute timeline behind
 * its chart (`GET /api/lattice/timeline`). The page itself reads `GET /api/lattice/p2p/status` and
 * posts `POST /api/lattice/sync/switch?mode=`; both are served by the API, not by this module.
 */
import type { P2PStatus } from '../sync/interface.js'
import type { TransitionSource } from '../sync/transitions.js'
import type { Timeline } from '../../../packages/contracts/src/node-api.js'
import type { Logger } from '../../../packages/log/src/index.js'

/** Milliseconds since the epoch; injected so the timeline logic is tested without waiting. */
export interface Clock {
  now(): number
}

// The timeline body is part of the node's API contract (packages/contracts), read by the page.
export type { Timeline, TimelineEvent, TimelineEventKind, TimelineSample } from '../../../packages/contracts/src/node-api.js'

export interface TimelineSamplerInit {
  /** Time between stored samples; default 5,000 ms. */
  sampleIntervalMs?: number
  /** How far back samples and events are kept; default 15 minutes. */
  windowMs?: number
  /** Time between looks at the status (a sample is stored when one is due); default 1,000 ms. */
  checkIntervalMs?: number
  peerlessTimeoutMs?: number
}

export interface TimelineSamplerComponents {
  status: () => P2PStatus
  /** The sync service's failover / recovery / mode-switch events: the timeline shows exactly these. */
  transitions?: TransitionSource
  clock?: Clock
  logger?: Logger
}

export interface TimelineSampler {
  /** Takes a first sample at once, then keeps sampling on a timer (unref'd). Idempotent. */
  start(): void
  stop(): void
  /** One look at the status: a sample when one is due; trims samples and events to the window. */
  tick(): void
  timeline(): Timeline
}

export interface DashboardInit extends TimelineSamplerInit {
  /**
   * Folder of the compiled page (index.html, style.css, *.js). Default: `web/` beside this module in
   * the compile output, where the dashboard's build puts it.
   */
  webDir?: string
}

export interface DashboardComponents extends TimelineSamplerComponents {}

export interface Dashboard {
  /** The compiled page, served by the API's dashboard routes (api/dashboard-routes.ts). */
  readonly webDir: string
  start(): void
  stop(): void
  timeline(): Timeline
}
