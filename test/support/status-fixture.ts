import type { P2PStatus } from '../../node/src/sync/interface.js'

/**
 * A `/api/lattice/p2p/status` answer of a healthy node in P2P mode with two peers' worth of count and
 * no peer rows; tests change what they are about (`p2pStatus({ mode: 'HTTP', peer_count: 0 })`).
 */
export function p2pStatus (overrides: Partial<P2PStatus> = {}): P2PStatus {
  return {
    started: true,
    peer_count: 2,
    has_peers: true,
    http_sync_enabled: false,
    heartbeat_active: true,
    sync_mode: 'auto',
    mode: 'P2P',
    peer_id: '12D3KooWTest',
    listen_addrs: [],
    peers: [],
    last_sync: null,
    merkle_root: 'ab'.repeat(32),
    record_count: 0,
    ...overrides
  }
}
