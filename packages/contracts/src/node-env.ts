/**
 * The node's environment: every AETHEL_* variable lattice-node reads, once. The node generates its
 * flags, its --help and its config schema from this table (node/src/config); the operator writes its
 * pods' env through `nodeEnv`, whose argument must name every variable of the table (a variable
 * added here and not decided by the operator, or a name the node does not know, fails to compile).
 *
 * Values arrive as strings; the node splits lists and converts numbers and booleans before validating,
 * so `schema` states what is allowed in typed form (JSON schema, compiled by the node with ajv).
 */

import { SYNC_MODE_SETTINGS } from './node-api.js'

type JsonSchema = Readonly<Record<string, unknown>>

export interface NodeEnvVariable {
  readonly name: string
  readonly description: string
  /** As --help shows it; absent: no default. */
  readonly default?: string
  /** How the string value is read: as is, comma-separated list, number, or true/false (1/0). */
  readonly kind: 'string' | 'list' | 'number' | 'boolean'
  /** The typed value's JSON schema. */
  readonly schema: JsonSchema
  /** What the variable allows, for the error message naming it (else the schema's own message). */
  readonly allowed?: string
  /** Variables that must be set with this one. */
  readonly requires?: readonly string[]
}

const MULTIADDR = { type: 'string', pattern: '^(/[A-Za-z0-9_.:\\-]+)+$' } as const
const PEER_ID_PATTERN = '[1-9A-HJ-NP-Za-km-z]{46,}'
const seconds = (min: number, max: number): JsonSchema => ({ type: 'number', minimum: min, maximum: max })
const path = { type: 'string', minLength: 1 } as const

export const NODE_ENV = [
  { name: 'AETHEL_P2P_ENABLED', kind: 'boolean', schema: { type: 'boolean' }, allowed: 'true or false', default: 'true', description: 'Run the libp2p node (gossip, heartbeats, P2P catch-up): true or false.' },
  { name: 'AETHEL_P2P_LISTEN', kind: 'list', schema: { type: 'array', minItems: 1, items: MULTIADDR }, allowed: 'one or more multiaddrs, comma-separated (e.g. /ip4/0.0.0.0/tcp/9000)', default: '/ip4/0.0.0.0/tcp/9000', description: 'libp2p listen multiaddrs, comma-separated.' },
  { name: 'AETHEL_P2P_BOOTSTRAP', kind: 'list', schema: { type: 'array', items: { ...MULTIADDR, pattern: `^(/[A-Za-z0-9_.:\\-]+)+/p2p/${PEER_ID_PATTERN}$` } }, allowed: 'multiaddrs ending in /p2p/<peerId>, comma-separated', default: '', description: 'Bootstrap peers: multiaddrs ending in /p2p/<peerId>, comma-separated. Kept connected.' },
  { name: 'AETHEL_LATTICE_NODES', kind: 'list', schema: { type: 'array', items: { type: 'string', pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' } }, allowed: 'http:// or https:// URLs, comma-separated', default: '', description: 'Base URLs (http:// or https://) of the other nodes for HTTP sync, comma-separated.' },
  { name: 'AETHEL_HTTP_LISTEN', kind: 'string', schema: { type: 'string', pattern: '^(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.\\-]+):[0-9]{1,5}$' }, allowed: 'host:port (e.g. 0.0.0.0:8080)', default: '0.0.0.0:8080', description: 'REST API, metrics and dashboard address, host:port.' },
  { name: 'AETHEL_DATA_DIR', kind: 'string', schema: path, default: './lattice-data', description: 'Directory for the SQLite ledger, the identity and the generated API token.' },
  { name: 'AETHEL_P2P_TOPIC', kind: 'string', schema: { type: 'string', minLength: 1, maxLength: 256 }, default: 'aethel/lattice/v1', description: 'Gossipsub topic.' },
  { name: 'AETHEL_HEARTBEAT_INTERVAL', kind: 'number', schema: seconds(0.05, 3600), allowed: 'seconds between 0.05 and 3600', default: '5', description: 'Seconds between heartbeats (0.05 to 3600).' },
  { name: 'AETHEL_PEERLESS_TIMEOUT', kind: 'number', schema: seconds(0.1, 86400), allowed: 'seconds between 0.1 and 86400', default: '60', description: 'Seconds without peers before auto mode turns HTTP sync on (0.1 to 86400).' },
  { name: 'AETHEL_HTTP_POLL_INTERVAL', kind: 'number', schema: seconds(0.05, 3600), allowed: 'seconds between 0.05 and 3600', default: '10', description: 'Seconds between HTTP sync rounds while HTTP sync is on (0.05 to 3600).' },
  { name: 'AETHEL_OWN_HEAD_TIMEOUT', kind: 'number', schema: seconds(0, 86400), allowed: 'seconds between 0 and 86400', default: '10', description: 'Seconds a starting node refuses writes while no peer has told it how many of its own records the network holds (0 to 86400); then a lone node writes, unless its data directory shows it lost records.' },
  { name: 'AETHEL_SYNC_MODE', kind: 'string', schema: { type: 'string', enum: SYNC_MODE_SETTINGS }, allowed: 'p2p, http or auto', default: 'auto', description: 'p2p, http or auto.' },
  { name: 'AETHEL_IDENTITY_FILE', kind: 'string', schema: path, default: '<data dir>/identity.key', description: 'libp2p Ed25519 private key (protobuf); made on first start, mode 0600.' },
  { name: 'AETHEL_P2P_PSK_FILE', kind: 'string', schema: path, description: 'Private-network pre-shared key file (/key/swarm/psk/1.0.0/ format). Without it P2P is open to any libp2p peer (a warning is logged).' },
  { name: 'AETHEL_API_TOKEN_FILE', kind: 'string', schema: path, default: '<data dir>/api-token (made on first start)', description: 'File holding the bearer token for mutations and node-to-node sync.' },
  { name: 'AETHEL_MEMBERS', kind: 'list', schema: { type: 'array', items: { type: 'string', pattern: `^${PEER_ID_PATTERN}$` } }, allowed: 'libp2p peer IDs, comma-separated', default: '', description: 'Peer IDs allowed to originate records, comma-separated (this node and the peers named in bootstrap and the peers file are members too).' },
  { name: 'AETHEL_PEERS_FILE', kind: 'string', schema: path, description: 'JSON {bootstrap, lattice_nodes, members}, re-read when it changes (written by the operator).' },
  { name: 'AETHEL_LOG_LEVEL', kind: 'string', schema: { type: 'string', enum: ['error', 'warn', 'info', 'debug'] }, allowed: 'error, warn, info or debug', default: 'info', description: 'error, warn, info or debug.' },
  { name: 'AETHEL_TLS_CERT_FILE', kind: 'string', schema: path, allowed: 'a PEM file, together with AETHEL_TLS_KEY_FILE', requires: ['AETHEL_TLS_KEY_FILE'], description: 'Serve HTTPS with this certificate (PEM); needs AETHEL_TLS_KEY_FILE. Re-read within a second when it changes (no restart).' },
  { name: 'AETHEL_TLS_KEY_FILE', kind: 'string', schema: path, allowed: 'a PEM file, together with AETHEL_TLS_CERT_FILE', requires: ['AETHEL_TLS_CERT_FILE'], description: 'Private key (PEM) for AETHEL_TLS_CERT_FILE.' },
  { name: 'AETHEL_TLS_CA_FILE', kind: 'string', schema: path, description: 'CA bundle (PEM, one or more certificates) trusted for https:// node-to-node sync; re-read when it changes.' }
] as const satisfies readonly NodeEnvVariable[]

export type NodeEnvName = typeof NODE_ENV[number]['name']

/** The JSON schema of the typed variables (lists split, numbers and booleans parsed), for ajv. */
export function nodeEnvSchema (): Record<string, unknown> {
  const variables: readonly NodeEnvVariable[] = NODE_ENV
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(variables.map(v => [v.name, v.schema])),
    dependencies: Object.fromEntries(variables.filter(v => v.requires !== undefined).map(v => [v.name, v.requires]))
  }
}

/**
 * A container's env for lattice-node: one entry per defined value, in the order given. Every variable
 * of the table must be named (undefined: not set), so the operator decides each one.
 */
export function nodeEnv (values: { readonly [K in NodeEnvName]: string | undefined }): Array<{ name: NodeEnvName, value: string }> {
  return (Object.entries(values) as Array<[NodeEnvName, string | undefined]>)
    .filter((e): e is [NodeEnvName, string] => e[1] !== undefined)
    .map(([name, value]) => ({ name, value }))
}
