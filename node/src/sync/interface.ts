/**
 * The sync service: gossip over libp2p while the node has peers, HTTP sync with AETHEL_LATTICE_NODES
 * while it has none (after the peerless timeout) or when the operator of the node says so.
 * Contract shared by the daemon, the API, the dashboard and the operator's probe.
 */
import type { Router } from 'express'

import type { ComponentHealth, P2PStatus, SwitchResult, SyncModeSetting } from '../../../packages/contracts/src/node-api.js'

// The bodies the node serves are the contract with the operator and the page (packages/contracts).
export type { ComponentHealth, EffectiveMode, P2PStatus, PeerStatus, SwitchResult, SyncModeSetting } from '../../../packages/contracts/src/node-api.js'

/** The sync part of `GET /api/lattice/health` (components p2p, http_sync, heartbeat). */
export interface SyncHealth {
  p2p: ComponentHealth
  http_sync: ComponentHealth
  heartbeat: ComponentHealth
}

export interface SyncService {
  start(): Promise<void>
  /** Stop gossip, polling and libp2p; idempotent. */
  stop(): Promise<void>
  status(): P2PStatus
  health(): SyncHealth
  switchMode(mode: SyncModeSetting): SwitchResult
  /**
   * Node-to-node sync endpoints, mounted by the API at `/api/lattice/sync` behind the bearer-token
   * check (the switch endpoint is mounted separately by the API).
   */
  router(): Router
}
