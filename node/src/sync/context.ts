/**
 * What the sync service's parts (gossip, peer heartbeats, catch-up) share. The service builds it once;
 * each part gets it instead of reaching into the service, so a part can be read and tested alone.
 */
import type { Ledger } from '../ledger/interface.js'
import type { Logger } from '../../../packages/log/src/index.js'
import type { ThrottledWarnings } from '../util/log-throttle.js'
import type { SyncMetrics } from './metrics.js'
import type { P2PTransport } from './p2p/transport.js'

export interface SyncContext {
  /** This node's peer ID. */
  readonly selfId: string
  readonly ledger: Ledger
  readonly metrics: SyncMetrics
  readonly logger: Logger
  /** Warnings a peer can cause at will: at most one per peer and kind every 10 s. */
  readonly peerWarnings: ThrottledWarnings
  readonly heartbeatIntervalMs: number
  clock(): number
  /** The transport while libp2p runs and the mode allows P2P (not `http`); undefined otherwise. */
  p2p(): P2PTransport | undefined
  /** The service is started (a stopping service starts no follow-up work). */
  active(): boolean
  /** A sync exchange (gossip apply, catch-up, HTTP round) completed now: status `last_sync`. */
  synced(): void
}
