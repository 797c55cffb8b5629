/**
 * Record ids, signatures and shape validation.
 *
 * id  = hex SHA-256 of the RFC 8785 canonical JSON of {origin, seq, ts, key, payload}
 * sig = base64url (no padding) Ed25519 signature over the UTF-8 bytes of the hex id
 *
 * node:crypto is used directly (not @libp2p/crypto) because it is several times faster and its
 * callback form runs verification on the libuv thread pool, in parallel with the event loop.
 */
import { createPrivateKey, createPublicKey, hash, sign, verify, type KeyObject } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { canonicalize, canonicalNumber, canonicalString, NonCanonicalValueError } from '../../../packages/contracts/src/canonical-json.js'
import { UnsupportedKeyError } from './errors.js'
import type { JsonValue, LedgerRecord, RecordBody, RejectReason } from './interface.js'

export const DEFAULT_MAX_KEY_BYTES = 256
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024

export interface RecordLimits {
  maxKeyBytes: number
  maxPayloadBytes: number
}

export const DEFAULT_LIMITS: RecordLimits = { maxKeyBytes: DEFAULT_MAX_KEY_BYTES, maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES }

const ID_RE = /^[0-9a-f]{64}$/
const SIG_RE = /^[A-Za-z0-9_-]{86}$/

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

/** Signs record ids with the node's libp2p Ed25519 key, through node:crypto. */
export interface RecordSigner {
  readonly origin: string
  sign(id: string): string
  /** The same on the libuv thread pool: a batch of signatures uses every core. */
  signAsync(id: string): Promise<string>
}

/** Build a node:crypto private KeyObject from a libp2p Ed25519 private key (raw = seed ‖ public key). */
export function ed25519KeyObject (privateKey: PrivateKey): KeyObject {
  if (privateKey.type !== 'Ed25519') throw new UnsupportedKeyError(privateKey.type)
  const raw = privateKey.raw
  const seed = Buffer.from(raw.subarray(0, 32))
  const pub = Buffer.from(privateKey.publicKey.raw)
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: pub.toString('base64url') }, format: 'jwk' })
}

export function createRecordSigner (privateKey: PrivateKey, origin: string): RecordSigner {
  const key = ed25519KeyObject(privateKey)
  return {
    origin,
    sign: (id: string) => sign(null, Buffer.from(id, 'utf8'), key).toString('base64url'),
    signAsync: async (id: string) => await new Promise<string>((resolve, reject) => {
      sign(null, Buffer.from(id, 'utf8'), key, (err, sig) => {
        if (err != null) reject(err)
        else resolve(sig.toString('base64url'))
      })
    })
  }
}

/** Make a complete signed record from a body. */
export function signRecord (body: RecordBody, signer: RecordSigner, canonicalPayload?: string): LedgerRecord {
  const id = recordId(body, canonicalPayload)
  return { id, origin: body.origin, seq: body.seq, ts: body.ts, key: body.key, payload: body.payload, sig: signer.sign(id) }
}

/** Public keys decoded from peer IDs, cached: decoding a peer ID and building a KeyObject costs more than a verify. */
const publicKeys = new Map<string, KeyObject | null>()
const MAX_CACHED_KEYS = 10_000

/** The Ed25519 public key of an origin peer ID, or undefined when it is not a valid Ed25519 peer ID. */
export function originPublicKey (origin: string): KeyObject | undefined {
  const cached = publicKeys.get(origin)
  if (cached !== undefined) return cached ?? undefined
  let key: KeyObject | null = null
  try {
    const peerId = peerIdFromString(origin)
    if (peerId.type === 'Ed25519' && peerId.toString() === origin) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(peerId.publicKey.raw).toString('base64url') }, format: 'jwk' })
    }
  } catch {
    key = null
  }
  if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.clear()
  publicKeys.set(origin, key)
  return key ?? undefined
}

/** Synchronous signature check of a record whose id is already known to be right. */
export function verifySignature (record: Pick<LedgerRecord, 'origin' | 'id' | 'sig'>): boolean {
  const key = originPublicKey(record.origin)
  if (key === undefined || !SIG_RE.test(record.sig)) return false
  return verify(null, Buffer.from(record.id, 'utf8'), key, Buffer.from(record.sig, 'base64url'))
}

/** The same on the libuv thread pool: lets a batch of verifications use every core. */
export async function verifySignatureAsync (record: Pick<LedgerRecord, 'origin' | 'id' | 'sig'>): Promise<boolean> {
  const key = originPublicKey(record.origin)
  if (key === undefined || !SIG_RE.test(record.sig)) return false
  return await new Promise<boolean>((resolve) => {
    verify(null, Buffer.from(record.id, 'utf8'), key, Buffer.from(record.sig, 'base64url'), (err, ok) => {
      resolve(err == null && ok)
    })
  })
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
export function checkRecord (r: unknown, limits: RecordLimits): { canonicalPayload: string } | ShapeProblem {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return { reason: 'malformed', field: 'record', message: 'record must be an object' }
  const rec = r as Record<string, unknown>
  if (typeof rec.origin !== 'string' || originPublicKey(rec.origin) === undefined) {
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

/** Full verification of one record (shape, id, signature), synchronous: for integrity checks and tests. */
export function verifyRecord (r: unknown, limits: RecordLimits = DEFAULT_LIMITS): boolean {
  const checked = checkRecord(r, limits)
  if (!('canonicalPayload' in checked)) return false
  return verifySignature(r as LedgerRecord)
}

export function isRecordId (s: unknown): s is string {
  return typeof s === 'string' && ID_RE.test(s)
}
