import type { PrivateKey } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import type { Ledger } from '../ledger/interface.js'
import type { PeerDirectory } from '../peers/interface.js'
import type { Logger } from '../../../packages/log/src/index.js'
import type { SyncModeSetting } from './interface.js'

/**
 * What the daemon maps from NodeConfig (bootstrap peers and lattice nodes come from the PeerDirectory,
 * which also follows the peers file):
 *   p2pEnabled ← p2p.enabled, listen ← p2p.listen, topic ← p2p.topic, pskFile ← p2p.pskFile,
 *   mode ← sync.mode, heartbeatIntervalMs / peerlessTimeoutMs / httpPollIntervalMs ← sync.*,
 *   caFile ← http.caFile. The rest are tuning knobs with production defaults.
 */
export interface SyncInit {
  /** AETHEL_P2P_ENABLED: false = libp2p never starts (the node can still sync over HTTP). */
  p2pEnabled: boolean
  /** AETHEL_P2P_LISTEN multiaddrs. */
  listen: string[]
  /** AETHEL_P2P_TOPIC (`aethel/lattice/v1`). */
  topic: string
  /** AETHEL_P2P_PSK_FILE: pnet key file; without one the libp2p network is not private. */
  pskFile?: string
  /** AETHEL_SYNC_MODE */
  mode: SyncModeSetting
  heartbeatIntervalMs: number
  peerlessTimeoutMs: number
  httpPollIntervalMs: number
  /** AETHEL_TLS_CA_FILE: CA trusted for https lattice nodes, read once (the daemon passes `trust` instead, which reloads). */
  caFile?: string
  /** Records per sync batch (default 1000). */
  batchLimit?: number
  /** Uncompressed bytes per sync batch (default 1 MiB). */
  batchMaxBytes?: number
  /** Deadline of one dial, catch-up or HTTP request, ms (default 15000). */
  requestTimeoutMs?: number
  /**
   * AETHEL_OWN_HEAD_TIMEOUT: how long the node refuses writes while no peer tells it its own head
   * (default 10 s); a lone node whose data directory shows lost records waits for a peer regardless.
   */
  ownHeadTimeoutMs?: number
  /** The own-head marker file (`<data dir>/own-head.json`): evidence, outside the ledger, of the highest own seq acknowledged. */
  ownHeadMarkerFile?: string
  /** Bootstrap redial backoff, ms (default 250 doubling to 10000). */
  redialMinMs?: number
  redialMaxMs?: number
}

export interface SyncComponents {
  ledger: Ledger
  /** The node's libp2p identity (its peer ID is the ledger's origin). */
  privateKey: PrivateKey
  peers: PeerDirectory
  /** The network's shared API token: sent as a bearer token to the other nodes. */
  apiToken: string
  logger: Logger
  registry: Registry
  /** The CA bundle in force for https lattice nodes (AETHEL_TLS_CA_FILE, reloaded on change); overrides init.caFile. */
  trust?: () => Buffer | undefined
  /** ms since the epoch; injected for tests (default Date.now). */
  clock?: () => number
}
