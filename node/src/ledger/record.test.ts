import { describe, expect, it, beforeAll } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { createHash } from 'node:crypto'
import { canonicalize } from '../../../packages/contracts/src/canonical-json.js'
import { canonicalBody, checkEntry, checkRecord, createRecordSigner, DEFAULT_LIMITS, recordId, signRecord, verifyRecord, verifySignature, verifySignatureAsync } from './record.js'
import type { LedgerRecord, RecordBody } from './interface.js'
import { UnsupportedKeyError } from './errors.js'

let key: PrivateKey
let origin: string

beforeAll(async () => {
  key = await generateKeyPair('Ed25519')
  origin = peerIdFromPrivateKey(key).toString()
})

const body = (over: Partial<RecordBody> = {}): RecordBody => ({ origin, seq: 1, ts: 1700000000000, key: 'k', payload: { b: 2, a: [1, 'x'] }, ...over })

describe('record ids and signatures', () => {
  it('id is the SHA-256 of the canonical body', () => {
    const b = body()
    expect(canonicalBody(b)).toBe(canonicalize(b))
    expect(recordId(b)).toBe(createHash('sha256').update(canonicalize({ origin, seq: 1, ts: 1700000000000, key: 'k', payload: { a: [1, 'x'], b: 2 } })).digest('hex'))
  })

  it('signs with the libp2p key and verifies with the key decoded from the peer ID', async () => {
    const r = signRecord(body(), createRecordSigner(key, origin))
    expect(r.sig).toMatch(/^[A-Za-z0-9_-]{86}$/)
    // The signature is the libp2p key's own Ed25519 signature over the id's UTF-8 bytes.
    expect(await key.publicKey.verify(new TextEncoder().encode(r.id), Buffer.from(r.sig, 'base64url'))).toBe(true)
    expect(verifyRecord(r)).toBe(true)
    expect(verifySignature(r)).toBe(true)
    expect(await verifySignatureAsync(r)).toBe(true)
  })

  it('rejects tampered records', async () => {
    const signer = createRecordSigner(key, origin)
    const r = signRecord(body(), signer)
    expect(verifyRecord({ ...r, payload: { b: 3, a: [1, 'x'] } })).toBe(false)
    expect(checkRecord({ ...r, payload: 'other' }, DEFAULT_LIMITS)).toMatchObject({ reason: 'bad_id' })
    const other = await generateKeyPair('Ed25519')
    const forged = signRecord(body(), createRecordSigner(other, origin))
    expect(verifyRecord(forged)).toBe(false)
    expect(await verifySignatureAsync(forged)).toBe(false)
    const flipped = r.sig[0] === 'A' ? 'B' + r.sig.slice(1) : 'A' + r.sig.slice(1)
    expect(verifySignature({ ...r, sig: flipped })).toBe(false)
  })

  it('validates the shape and the limits', () => {
    const r = signRecord(body(), createRecordSigner(key, origin))
    const bad = (over: Record<string, unknown>): unknown => checkRecord({ ...r, ...over }, DEFAULT_LIMITS)
    expect(bad({ origin: 'not-a-peer-id' })).toMatchObject({ reason: 'malformed', field: 'origin' })
    expect(bad({ seq: 0 })).toMatchObject({ reason: 'malformed', field: 'seq' })
    expect(bad({ seq: 1.5 })).toMatchObject({ reason: 'malformed', field: 'seq' })
    expect(bad({ ts: -1 })).toMatchObject({ reason: 'malformed', field: 'ts' })
    expect(bad({ id: r.id.toUpperCase() })).toMatchObject({ reason: 'malformed', field: 'id' })
    expect(bad({ key: '' })).toMatchObject({ reason: 'malformed', field: 'key' })
    expect(checkRecord(null, DEFAULT_LIMITS)).toMatchObject({ reason: 'malformed' })
    expect(checkEntry('é'.repeat(129), 1, DEFAULT_LIMITS)).toMatchObject({ reason: 'too_large', field: 'key', limit: 256 })
    expect(checkEntry('é'.repeat(128), 1, DEFAULT_LIMITS)).toHaveProperty('canonicalPayload')
    expect(checkEntry('k', 'x'.repeat(64 * 1024), DEFAULT_LIMITS)).toMatchObject({ reason: 'too_large', field: 'payload', limit: 65536 })
    expect(checkEntry('k', 'x'.repeat(64 * 1024 - 2), DEFAULT_LIMITS)).toHaveProperty('canonicalPayload')
    expect(checkEntry('k', 'x'.repeat(100), { maxKeyBytes: 256, maxPayloadBytes: 50 })).toMatchObject({ reason: 'too_large', limit: 50 })
    const rec: LedgerRecord = r
    expect(checkRecord(rec, DEFAULT_LIMITS)).toEqual({ canonicalPayload: canonicalize(rec.payload) })
  })

  it('refuses a non-Ed25519 key', async () => {
    const rsa = await generateKeyPair('secp256k1')
    expect(() => createRecordSigner(rsa, origin)).toThrow(UnsupportedKeyError)
  })
})
