import type { SyncModeSetting } from '../sync/interface.js'
import type { LogLevel } from '../../../packages/log/src/index.js'

/** The node's configuration, validated and normalised from AETHEL_* variables and flags. */
export interface NodeConfig {
  p2p: {
    /** AETHEL_P2P_ENABLED */
    enabled: boolean
    /** AETHEL_P2P_LISTEN: multiaddrs, comma-separated in the variable. */
    listen: string[]
    /** AETHEL_P2P_BOOTSTRAP: multiaddrs ending in /p2p/<peerId>. */
    bootstrap: string[]
    /** AETHEL_P2P_TOPIC */
    topic: string
    /** AETHEL_P2P_PSK_FILE: libp2p pnet key file (`/key/swarm/psk/1.0.0/`). */
    pskFile?: string
  }
  http: {
    /** AETHEL_HTTP_LISTEN (`host:port`). */
    host: string
    port: number
    /** AETHEL_TLS_CERT_FILE + AETHEL_TLS_KEY_FILE: serve HTTPS. */
    tls?: { certFile: string, keyFile: string }
    /** AETHEL_TLS_CA_FILE: CA trusted for node-to-node sync over https. */
    caFile?: string
  }
  /** AETHEL_LATTICE_NODES: base URLs of the other nodes for HTTP sync. */
  latticeNodes: string[]
  /** AETHEL_DATA_DIR */
  dataDir: string
  /** AETHEL_IDENTITY_FILE (default `<dataDir>/identity.key`). */
  identityFile: string
  /** AETHEL_API_TOKEN_FILE (default: a token made in `<dataDir>/api-token`). */
  apiTokenFile?: string
  /** AETHEL_MEMBERS: peer IDs allowed to originate records (besides this node and known peers). */
  members: string[]
  /** AETHEL_PEERS_FILE: JSON `{bootstrap, lattice_nodes, members}` re-read when it changes. */
  peersFile?: string
  sync: {
    /** AETHEL_SYNC_MODE */
    mode: SyncModeSetting
    /** AETHEL_HEARTBEAT_INTERVAL (seconds in the variable). */
    heartbeatIntervalMs: number
    /** AETHEL_PEERLESS_TIMEOUT (seconds in the variable). */
    peerlessTimeoutMs: number
    /** AETHEL_HTTP_POLL_INTERVAL (seconds in the variable). */
    httpPollIntervalMs: number
    /** AETHEL_OWN_HEAD_TIMEOUT (seconds in the variable): how long writes wait for a peer to confirm the node's own head. */
    ownHeadTimeoutMs: number
  }
  /** AETHEL_LOG_LEVEL */
  logLevel: LogLevel
}
