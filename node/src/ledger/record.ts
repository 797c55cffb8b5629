/**
 * Record ids, signatures and shape validation.
 *
 * id  = hex SHA-256 of the RFC 8785 canonical JSON of {origin, seq, ts, key, payload}
 * sig = base64url (no padding) Ed25519 signature over the UTF-8 bytes of the hex id
 *
 * node:crypto is used directly (not @libp2p/crypto) because it is several times faster and its
 * callback form runs verification on the libuv thread pool, in parallel with the event loop.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { UnsupportedKeyError } from './errors.js'
import type { LedgerRecord, RecordBody } from './interface.js'
import { checkRecord as checkRecordWith, DEFAULT_LIMITS, ID_RE, recordId, SIG_RE, verifySignatureWith, type RecordLimits, type ShapeProblem } from './record-checks.js'

export { canonicalBody, checkEntry, DEFAULT_LIMITS, DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_PAYLOAD_BYTES, recordId, sha256Hex, type OriginKeys, type RecordLimits, type ShapeProblem } from './record-checks.js'

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
  return verifySignatureWith(record, originPublicKey)
}

/**
 * Full check of a remote record except the signature and membership: shape, limits and id.
 * Returns the canonical payload on success.
 */
export function checkRecord (r: unknown, limits: RecordLimits): { canonicalPayload: string } | ShapeProblem {
  return checkRecordWith(r, limits, originPublicKey)
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

/** Full verification of one record (shape, id, signature), synchronous: for integrity checks and tests. */
export function verifyRecord (r: unknown, limits: RecordLimits = DEFAULT_LIMITS): boolean {
  const checked = checkRecord(r, limits)
  if (!('canonicalPayload' in checked)) return false
  return verifySignature(r as LedgerRecord)
}

export function isRecordId (s: unknown): s is string {
  return typeof s === 'string' && ID_RE.test(s)
}
