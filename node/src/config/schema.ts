/**
 * One JSON schema for every AETHEL_* variable. Values arrive as strings; the loader splits lists and
 * converts numbers and booleans before validation, so the schema states what is allowed in typed form.
 */
export interface VariableSpec {
  name: string
  description: string
  default?: string
}

export const VARIABLES: VariableSpec[] = [
  { name: 'AETHEL_P2P_ENABLED', description: 'Run the libp2p node (gossip, heartbeats, P2P catch-up): true or false.', default: 'true' },
  { name: 'AETHEL_P2P_LISTEN', description: 'libp2p listen multiaddrs, comma-separated.', default: '/ip4/0.0.0.0/tcp/9000' },
  { name: 'AETHEL_P2P_BOOTSTRAP', description: 'Bootstrap peers: multiaddrs ending in /p2p/<peerId>, comma-separated. Kept connected.', default: '' },
  { name: 'AETHEL_LATTICE_NODES', description: 'Base URLs (http:// or https://) of the other nodes for HTTP sync, comma-separated.', default: '' },
  { name: 'AETHEL_HTTP_LISTEN', description: 'REST API, metrics and dashboard address, host:port.', default: '0.0.0.0:8080' },
  { name: 'AETHEL_DATA_DIR', description: 'Directory for the SQLite ledger, the identity and the generated API token.', default: './lattice-data' },
  { name: 'AETHEL_P2P_TOPIC', description: 'Gossipsub topic.', default: 'aethel/lattice/v1' },
  { name: 'AETHEL_HEARTBEAT_INTERVAL', description: 'Seconds between heartbeats (0.05 to 3600).', default: '5' },
  { name: 'AETHEL_PEERLESS_TIMEOUT', description: 'Seconds without peers before auto mode turns HTTP sync on (0.1 to 86400).', default: '60' },
  { name: 'AETHEL_HTTP_POLL_INTERVAL', description: 'Seconds between HTTP sync rounds while HTTP sync is on (0.05 to 3600).', default: '10' },
  { name: 'AETHEL_SYNC_MODE', description: 'p2p, http or auto.', default: 'auto' },
  { name: 'AETHEL_IDENTITY_FILE', description: 'libp2p Ed25519 private key (protobuf); made on first start, mode 0600.', default: '<data dir>/identity.key' },
  { name: 'AETHEL_P2P_PSK_FILE', description: 'Private-network pre-shared key file (/key/swarm/psk/1.0.0/ format). Without it P2P is open to any libp2p peer (a warning is logged).' },
  { name: 'AETHEL_API_TOKEN_FILE', description: 'File holding the bearer token for mutations and node-to-node sync.', default: '<data dir>/api-token (made on first start)' },
  { name: 'AETHEL_MEMBERS', description: 'Peer IDs allowed to originate records, comma-separated (this node and the peers named in bootstrap and the peers file are members too).', default: '' },
  { name: 'AETHEL_PEERS_FILE', description: 'JSON {bootstrap, lattice_nodes, members}, re-read when it changes (written by the operator).' },
  { name: 'AETHEL_LOG_LEVEL', description: 'error, warn, info or debug.', default: 'info' },
  { name: 'AETHEL_TLS_CERT_FILE', description: 'Serve HTTPS with this certificate (PEM); needs AETHEL_TLS_KEY_FILE. Re-read within a second when it changes (no restart).' },
  { name: 'AETHEL_TLS_KEY_FILE', description: 'Private key (PEM) for AETHEL_TLS_CERT_FILE.' },
  { name: 'AETHEL_TLS_CA_FILE', description: 'CA bundle (PEM, one or more certificates) trusted for https:// node-to-node sync; re-read when it changes.' }
]

const multiaddr = { type: 'string', pattern: '^(/[A-Za-z0-9_.:\\-]+)+$' }
const seconds = (min: number, max: number): Record<string, unknown> => ({ type: 'number', minimum: min, maximum: max })

/** Typed form of the variables (lists split, numbers and booleans parsed). */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    AETHEL_P2P_ENABLED: { type: 'boolean' },
    AETHEL_P2P_LISTEN: { type: 'array', minItems: 1, items: multiaddr },
    AETHEL_P2P_BOOTSTRAP: { type: 'array', items: { ...multiaddr, pattern: '^(/[A-Za-z0-9_.:\\-]+)+/p2p/[1-9A-HJ-NP-Za-km-z]{46,}$' } },
    AETHEL_LATTICE_NODES: { type: 'array', items: { type: 'string', pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' } },
    AETHEL_HTTP_LISTEN: { type: 'string', pattern: '^(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.\\-]+):[0-9]{1,5}$' },
    AETHEL_DATA_DIR: { type: 'string', minLength: 1 },
    AETHEL_P2P_TOPIC: { type: 'string', minLength: 1, maxLength: 256 },
    AETHEL_HEARTBEAT_INTERVAL: seconds(0.05, 3600),
    AETHEL_PEERLESS_TIMEOUT: seconds(0.1, 86400),
    AETHEL_HTTP_POLL_INTERVAL: seconds(0.05, 3600),
    AETHEL_SYNC_MODE: { type: 'string', enum: ['p2p', 'http', 'auto'] },
    AETHEL_IDENTITY_FILE: { type: 'string', minLength: 1 },
    AETHEL_P2P_PSK_FILE: { type: 'string', minLength: 1 },
    AETHEL_API_TOKEN_FILE: { type: 'string', minLength: 1 },
    AETHEL_MEMBERS: { type: 'array', items: { type: 'string', pattern: '^[1-9A-HJ-NP-Za-km-z]{46,}$' } },
    AETHEL_PEERS_FILE: { type: 'string', minLength: 1 },
    AETHEL_LOG_LEVEL: { type: 'string', enum: ['error', 'warn', 'info', 'debug'] },
    AETHEL_TLS_CERT_FILE: { type: 'string', minLength: 1 },
    AETHEL_TLS_KEY_FILE: { type: 'string', minLength: 1 },
    AETHEL_TLS_CA_FILE: { type: 'string', minLength: 1 }
  },
  dependencies: {
    AETHEL_TLS_CERT_FILE: ['AETHEL_TLS_KEY_FILE'],
    AETHEL_TLS_KEY_FILE: ['AETHEL_TLS_CERT_FILE']
  }
} as const

/** What each variable allows, for error messages. */
export const ALLOWED: Record<string, string> = {
  AETHEL_P2P_ENABLED: 'true or false',
  AETHEL_P2P_LISTEN: 'one or more multiaddrs, comma-separated (e.g. /ip4/0.0.0.0/tcp/9000)',
  AETHEL_P2P_BOOTSTRAP: 'multiaddrs ending in /p2p/<peerId>, comma-separated',
  AETHEL_LATTICE_NODES: 'http:// or https:// URLs, comma-separated',
  AETHEL_HTTP_LISTEN: 'host:port (e.g. 0.0.0.0:8080)',
  AETHEL_HEARTBEAT_INTERVAL: 'seconds between 0.05 and 3600',
  AETHEL_PEERLESS_TIMEOUT: 'seconds between 0.1 and 86400',
  AETHEL_HTTP_POLL_INTERVAL: 'seconds between 0.05 and 3600',
  AETHEL_SYNC_MODE: 'p2p, http or auto',
  AETHEL_MEMBERS: 'libp2p peer IDs, comma-separated',
  AETHEL_LOG_LEVEL: 'error, warn, info or debug',
  AETHEL_TLS_CERT_FILE: 'a PEM file, together with AETHEL_TLS_KEY_FILE',
  AETHEL_TLS_KEY_FILE: 'a PEM file, together with AETHEL_TLS_CERT_FILE'
}
