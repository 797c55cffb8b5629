import { describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { heartbeatCallsForCatchup, signHeartbeat, verifyHeartbeat } from './heartbeat.js'

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

  it('asks for catch-up only when root and digest both differ', () => {
    const hb = { peerId: 'p', vvDigest: 'd1', merkleRoot: 'r1', recordCount: 1, ts: 0 }
    expect(heartbeatCallsForCatchup(hb, 'r1', 'd2')).toBe(false)
    expect(heartbeatCallsForCatchup(hb, 'r2', 'd1')).toBe(false)
    expect(heartbeatCallsForCatchup(hb, 'r2', 'd2')).toBe(true)
  })
})
