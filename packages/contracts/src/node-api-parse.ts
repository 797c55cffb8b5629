/**
 * Validating parsers for the node's bodies, for clients that receive them as untrusted JSON (the
 * operator's prober): a body that does not have the contract's shape is refused with an error naming
 * the field, instead of being cast and failing later somewhere else.
 */
import { EFFECTIVE_MODES, SYNC_MODE_SETTINGS, type P2PStatus, type PeerStatus, type RecoveryStatus, type StateBody } from './node-api.js'


/** A body that does not match the node's API contract. */
export class InvalidBodyError extends Error {
  static readonly NAME = 'InvalidBodyError'
  readonly path: string
  constructor (body: string, path: string, expected: string) {
    super(`${body}: ${path} is not ${expected}`)
    this.name = InvalidBodyError.NAME
    this.path = path
  }
}

type Check<T> = (v: unknown, path: string) => T

function field<T> (body: string, check: (v: unknown) => v is T, expected: string): Check<T> {
  return (v, path) => {
    if (!check(v)) throw new InvalidBodyError(body, path, expected)
    return v
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isString = (v: unknown): v is string => typeof v === 'string'
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean'
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const orNull = <T>(is: (v: unknown) => v is T) => (v: unknown): v is T | null => v === null || is(v)
const oneOf = <T extends string>(values: readonly T[]) => (v: unknown): v is T => values.includes(v as T)
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString)

function object (body: string, v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) throw new InvalidBodyError(body, path === '' ? '(body)' : path, 'an object')
  return v
}

function parsePeer (body: string, v: unknown, path: string): PeerStatus {
  const o = object(body, v, path)
  const at = (k: string): string => `${path}.${k}`
  return {
    peer_id: field(body, isString, 'a string')(o.peer_id, at('peer_id')),
    addrs: field(body, isStrings, 'an array of strings')(o.addrs, at('addrs')),
    latency_ms: field(body, orNull(isNumber), 'a number or null')(o.latency_ms, at('latency_ms')),
    last_heartbeat: field(body, orNull(isString), 'a string or null')(o.last_heartbeat, at('last_heartbeat')),
    merkle_root: field(body, orNull(isString), 'a string or null')(o.merkle_root, at('merkle_root')),
    record_count: field(body, orNull(isCount), 'a count or null')(o.record_count, at('record_count')),
    in_sync: field(body, orNull(isBoolean), 'a boolean or null')(o.in_sync, at('in_sync')),
    state_diverged: field(body, orNull(isBoolean), 'a boolean or null')(o.state_diverged, at('state_diverged'))
  }
}

function parseRecovery (body: string, v: unknown): RecoveryStatus {
  const o = object(body, v, 'recovery')
  const at = (k: string): string => `recovery.${k}`
  return {
    recovering: field(body, isBoolean, 'a boolean')(o.recovering, at('recovering')),
    reason: field(body, isString, 'a string')(o.reason, at('reason')),
    own_head: field(body, isCount, 'a count')(o.own_head, at('own_head')),
    peer_head: field(body, orNull(isCount), 'a count or null')(o.peer_head, at('peer_head')),
    missing_records: field(body, isCount, 'a count')(o.missing_records, at('missing_records')),
    missing_detected: field(body, isCount, 'a count')(o.missing_detected, at('missing_detected')),
    recovered_records: field(body, isCount, 'a count')(o.recovered_records, at('recovered_records')),
    since: field(body, orNull(isString), 'a string or null')(o.since, at('since'))
  }
}

/** `GET /api/lattice/p2p/status`, checked field by field; unknown extra fields are dropped. */
export function parseP2PStatus (v: unknown): P2PStatus {
  const body = 'p2p status'
  const o = object(body, v, '')
  const peers = o.peers
  if (!Array.isArray(peers)) throw new InvalidBodyError(body, 'peers', 'an array')
  return {
    started: field(body, isBoolean, 'a boolean')(o.started, 'started'),
    peer_count: field(body, isCount, 'a count')(o.peer_count, 'peer_count'),
    has_peers: field(body, isBoolean, 'a boolean')(o.has_peers, 'has_peers'),
    http_sync_enabled: field(body, isBoolean, 'a boolean')(o.http_sync_enabled, 'http_sync_enabled'),
    heartbeat_active: field(body, isBoolean, 'a boolean')(o.heartbeat_active, 'heartbeat_active'),
    sync_mode: field(body, oneOf(SYNC_MODE_SETTINGS), SYNC_MODE_SETTINGS.join('|'))(o.sync_mode, 'sync_mode'),
    mode: field(body, oneOf(EFFECTIVE_MODES), EFFECTIVE_MODES.join('|'))(o.mode, 'mode'),
    peer_id: field(body, isString, 'a string')(o.peer_id, 'peer_id'),
    listen_addrs: field(body, isStrings, 'an array of strings')(o.listen_addrs, 'listen_addrs'),
    peers: peers.map((p, i) => parsePeer(body, p, `peers[${i}]`)),
    last_sync: field(body, orNull(isString), 'a string or null')(o.last_sync, 'last_sync'),
    merkle_root: field(body, isString, 'a string')(o.merkle_root, 'merkle_root'),
    record_count: field(body, isCount, 'a count')(o.record_count, 'record_count'),
    // absent from nodes older than own-head recovery
    ...(o.recovery !== undefined ? { recovery: parseRecovery(body, o.recovery) } : {})
  }
}

/** `GET /api/lattice/state`, checked field by field. */
export function parseStateBody (v: unknown): StateBody {
  const body = 'state'
  const o = object(body, v, '')
  const vv = object(body, o.version_vector, 'version_vector')
  for (const [origin, seq] of Object.entries(vv)) field(body, isCount, 'a count')(seq, `version_vector.${origin}`)
  return {
    merkle_root: field(body, isString, 'a string')(o.merkle_root, 'merkle_root'),
    record_count: field(body, isCount, 'a count')(o.record_count, 'record_count'),
    version_vector: vv as Record<string, number>
  }
}
