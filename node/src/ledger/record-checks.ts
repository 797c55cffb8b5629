/**
 * The checks of a record that need no libp2p code: canonical body and id, shape and limits, and the
 * Ed25519 signature against a public key the caller looks up (`OriginKeys`). record.ts binds them to
 * peer-ID decoding; the verify workers (verify-worker.ts) get the keys from the main thread and load
 * only this module, so a worker starts in a fraction of the time.
 */
import { hash, verify, type KeyObject } from 'node:crypto'
import { canonicalize, canonicalNumber, canonicalString, NonCanonicalValueError } from '../../../packages/contracts/src/canonical-json.js'
import type { JsonValue, LedgerRecord, RecordBody, RejectReason } from './interface.js'

/** The Ed25519 public key of an origin peer ID, or undefined when it is not one. */
export type OriginKeys = (origin: string) => KeyObject | undefined

export const DEFAULT_MAX_KEY_BYTES = 256
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024

export interface RecordLimits {
  maxKeyBytes: number
  maxPayloadBytes: number
}

export const DEFAULT_LIMITS: RecordLimits = { maxKeyBytes: DEFAULT_MAX_KEY_BYTES, maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES }

export const ID_RE = /^[0-9a-f]{64}$/
export const SIG_RE = /^[A-Za-z0-9_-]{86}$/

/**
 * Canonical JSON of a record body. Written out directly in JCS member order
 * (key < origin < payload < seq < ts) so the hot path does not sort; equal to canonicalize(body).
 */
export function canonicalBody (body: RecordBody, canonicalPayload?: string): string {
  const payload = canonicalPayload ?? canonicalize(body.payload)
  return `{"key":${canonicalString(body.key, '.key')},"origin":${canonicalString(body.origin, '.origin')},"payload":${payload},"seq":${canonicalNumber(body.seq, '.seq')},"ts":${canonicalNumber(body.ts, '.ts')}}`
}

export function sha256Hex (text: string): string {
  // One-shot crypto.hash (strings are hashed as UTF-8): faster than createHash for one input.
  return hash('sha256', text, 'hex')
}

/** The record id: hex SHA-256 of the canonical body. */
export function recordId (body: RecordBody, canonicalPayload?: string): string {
  return sha256Hex(canonicalBody(body, canonicalPayload))
}

export interface ShapeProblem {
  reason: RejectReason
  field: string
  message: string
  limit?: number
}

/**
 * Check a local entry's key and payload against the limits. Returns the canonical payload (reused for
 * the id) or a problem.
 */
export function checkEntry (key: unknown, payload: unknown, limits: RecordLimits): { canonicalPayload: string } | ShapeProblem {
  if (typeof key !== 'string' || key.length === 0) return { reason: 'malformed', field: 'key', message: 'key must be a non-empty string' }
  if (!key.isWellFormed()) return { reason: 'malformed', field: 'key', message: 'key has a lone surrogate' }
  // A UTF-16 string of n units is at most 3n UTF-8 bytes: skip counting for short keys.
  if (key.length * 3 > limits.maxKeyBytes && Buffer.byteLength(key, 'utf8') > limits.maxKeyBytes) {
    return { reason: 'too_large', field: 'key', message: `key is longer than ${limits.maxKeyBytes} bytes`, limit: limits.maxKeyBytes }
  }
  if (payload === undefined) return { reason: 'malformed', field: 'payload', message: 'payload is missing' }
  let canonicalPayload: string
  try {
    canonicalPayload = canonicalize(payload as JsonValue)
  } catch (err) {
    if (err instanceof NonCanonicalValueError) return { reason: 'malformed', field: 'payload', message: `payload is not JSON: ${err.message}` }
    throw err
  }
  if (canonicalPayload.length * 3 > limits.maxPayloadBytes && Buffer.byteLength(canonicalPayload, 'utf8') > limits.maxPayloadBytes) {
    return { reason: 'too_large', field: 'payload', message: `payload is larger than ${limits.maxPayloadBytes} bytes`, limit: limits.maxPayloadBytes }
  }
  return { canonicalPayload }
}

/**
 * Full check of a remote record except the signature and membership: shape, limits and id.
 * Returns the canonical payload on success.
 */
export function checkRecord (r: unknown, limits: RecordLimits, keyOf: OriginKeys): { canonicalPayload: string } | ShapeProblem {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return { reason: 'malformed', field: 'record', message: 'record must be an object' }
  const rec = r as Record<string, unknown>
  if (typeof rec.origin !== 'string' || keyOf(rec.origin) === undefined) {
    return { reason: 'malformed', field: 'origin', message: 'origin must be an Ed25519 peer ID' }
  }
  if (typeof rec.seq !== 'number' || !Number.isSafeInteger(rec.seq) || rec.seq < 1) {
    return { reason: 'malformed', field: 'seq', message: 'seq must be a positive safe integer' }
  }
  if (typeof rec.ts !== 'number' || !Number.isSafeInteger(rec.ts) || rec.ts < 0) {
    return { reason: 'malformed', field: 'ts', message: 'ts must be a non-negative safe integer' }
  }
  if (typeof rec.id !== 'string' || !ID_RE.test(rec.id)) return { reason: 'malformed', field: 'id', message: 'id must be 64 lowercase hex digits' }
  if (typeof rec.sig !== 'string' || !SIG_RE.test(rec.sig)) return { reason: 'malformed', field: 'sig', message: 'sig must be a base64url Ed25519 signature' }
  const entry = checkEntry(rec.key, rec.payload, limits)
  if (!('canonicalPayload' in entry)) return entry
  const id = recordId(rec as unknown as RecordBody, entry.canonicalPayload)
  if (id !== rec.id) return { reason: 'bad_id', field: 'id', message: 'id does not match the record body' }
  return entry
}

/** Synchronous signature check of a record whose id is already known to be right. */
export function verifySignatureWith (record: Pick<LedgerRecord, 'origin' | 'id' | 'sig'>, keyOf: OriginKeys): boolean {
  const key = keyOf(record.origin)
  if (key === undefined || !SIG_RE.test(record.sig)) return false
  return verify(null, Buffer.from(record.id, 'utf8'), key, Buffer.from(record.sig, 'base64url'))
}

/** Per record: its canonical payload when every check passed, else why it failed. */
export type VerifyOutcome = { ok: true, canonicalPayload: string } | { ok: false, reason: RejectReason }

/** The full check of one remote record, synchronous: shape, limits, id, and the signature when asked. */
export function fullCheck (record: unknown, signature: boolean, limits: RecordLimits, keyOf: OriginKeys): VerifyOutcome {
  const checked = checkRecord(record, limits, keyOf)
  if (!('canonicalPayload' in checked)) return { ok: false, reason: checked.reason }
  if (signature && !verifySignatureWith(record as Pick<LedgerRecord, 'origin' | 'id' | 'sig'>, keyOf)) return { ok: false, reason: 'bad_signature' }
  return { ok: true, canonicalPayload: checked.canonicalPayload }
}
