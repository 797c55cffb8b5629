import { describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { digest } from '../ledger/version-vector.js'
import { carriesVector, heartbeatCallsForCatchup, heartbeatVector, holdsMore, signHeartbeat, verifyHeartbeat } from './heartbeat.js'

describe('heartbeat signatures', () => {
  it('verifies its own signature and rejects tampering or another key', async () => {
    const key = await generateKeyPair('Ed25519')
    const other = await generateKeyPair('Ed25519')
    const body = { peerId: peerIdFromPrivateKey(key).toString(), vvDigest: 'd', merkleRoot: 'r', recordCount: 5, ts: 1 }
    const hb = await signHeartbeat(key, body)
    expect(await verifyHeartbeat(hb)).toBe(true)
    expect(await verifyHeartbeat({ ...hb, recordCount: 6 })).toBe(false)
    expect(await verifyHeartbeat({ ...hb, merkleRoot: 'x' })).toBe(false)
    const forged = await signHeartbeat(other, body)
    expect(await verifyHeartbeat(forged)).toBe(false)
    expect(await verifyHeartbeat({ ...hb, peerId: 'not-a-peer-id' })).toBe(false)
    expect(await verifyHeartbeat({ ...hb, sig: '%%%' })).toBe(false)
  })

  it('trusts a carried version vector only when the signed digest vouches for it', async () => {
    const key = await generateKeyPair('Ed25519')
    const vv = { a: 3, b: 1 }
    const hb = await signHeartbeat(key, { peerId: peerIdFromPrivateKey(key).toString(), vvDigest: digest(vv), merkleRoot: 'r', recordCount: 4, ts: 1, vv })
    expect(await verifyHeartbeat(hb)).toBe(true)
    expect(heartbeatVector(hb)).toEqual(vv)
    // a vector swapped in transit no longer matches the digest: ignored, as if the sender sent none
    expect(heartbeatVector({ ...hb, vv: { a: 9, b: 1 } })).toBeUndefined()
    expect(heartbeatVector({ ...hb, vv: undefined })).toBeUndefined()
  })

  it('tells a peer holding records this node lacks from one that does not', () => {
    expect(holdsMore({ a: 3, b: 1 }, { a: 3, b: 1 })).toBe(false)
    expect(holdsMore({ a: 2 }, { a: 3, b: 1 })).toBe(false)
    expect(holdsMore({ a: 4 }, { a: 3, b: 1 })).toBe(true)
    expect(holdsMore({ c: 1 }, { a: 3 })).toBe(true)
    expect(holdsMore({}, {})).toBe(false)
  })

  it('asks for catch-up only when root and digest both differ', () => {
    const hb = { peerId: 'p', vvDigest: 'd1', merkleRoot: 'r1', recordCount: 1, ts: 0 }
    expect(heartbeatCallsForCatchup(hb, 'r1', 'd2')).toBe(false)
    expect(heartbeatCallsForCatchup(hb, 'r2', 'd1')).toBe(false)
    expect(heartbeatCallsForCatchup(hb, 'r2', 'd2')).toBe(true)
  })
})

describe('carriesVector', () => {
  it('sends the vector while it changes and for two heartbeats after, then every twelfth heartbeat', () => {
    // unchanged: heartbeats before this one that carried the same vector digest
    expect([0, 1, 2, 3, 6, 11, 12, 13, 23, 24].map(carriesVector)).toEqual([true, true, false, false, false, false, true, false, false, true])
  })
})
