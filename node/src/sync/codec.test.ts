import { describe, expect, it } from '@jest/globals'
import { decodeBatch, decodeGossip, decodeRequest, encodeFrame, encodeGossip, heartbeatSigningBytes } from './codec.js'
import { MalformedFrameError } from './errors.js'
import type { LedgerRecord } from '../ledger/interface.js'

const record: LedgerRecord = { origin: 'o', seq: 1, ts: 2, key: 'k', payload: { a: [1, 'x'] }, id: 'ab', sig: 'cd' }

describe('codec', () => {
  it('round-trips requests and batches through compression', async () => {
    const req = await decodeRequest(await encodeFrame({ version_vector: { o: 3 }, limit: 10 }))
    expect(req).toEqual({ version_vector: { o: 3 }, limit: 10 })
    const batch = await decodeBatch(await encodeFrame({ records: [record], more: true, version_vector: { o: 1 } }))
    expect(batch).toEqual({ records: [record], more: true, version_vector: { o: 1 } })
  })

  it('compresses repetitive batches well below their JSON size', async () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ ...record, seq: i + 1, payload: { text: `entry number ${i} of the ledger`, n: i } }))
    const frame = await encodeFrame({ records, more: false })
    expect(frame.byteLength).toBeLessThan(JSON.stringify(records).length / 3)
  })

  it('rejects malformed frames with a named error', async () => {
    await expect(decodeBatch(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(MalformedFrameError)
    await expect(decodeRequest(await encodeFrame({ records: [], more: false }))).rejects.toThrow(/version_vector/)
    const bad = await encodeFrame({ records: [{ ...record, seq: undefined } as unknown as LedgerRecord], more: false })
    await expect(decodeBatch(bad)).rejects.toThrow(/record must have/)
    await expect(decodeRequest(await encodeFrame({ version_vector: { o: -1 } }))).rejects.toThrow(/non-negative/)
  })

  it('encodes gossip records and heartbeats', () => {
    expect(decodeGossip(encodeGossip({ type: 'records', records: [record, { ...record, seq: 2 }] }))).toEqual({ type: 'records', records: [record, { ...record, seq: 2 }] })
    expect(() => decodeGossip(encodeGossip({ type: 'records', records: [] }))).toThrow(/records/)
    const heartbeat = { peerId: 'p', vvDigest: 'd', merkleRoot: 'r', recordCount: 3, ts: 4, sig: 's' }
    expect(decodeGossip(encodeGossip({ type: 'heartbeat', heartbeat }))).toEqual({ type: 'heartbeat', heartbeat })
    // the sender's version vector travels along, shape-checked; it is not part of the signed bytes
    const withVector = { ...heartbeat, vv: { o: 7 } }
    expect(decodeGossip(encodeGossip({ type: 'heartbeat', heartbeat: withVector }))).toEqual({ type: 'heartbeat', heartbeat: withVector })
    expect(() => decodeGossip(encodeGossip({ type: 'heartbeat', heartbeat: { ...heartbeat, vv: { o: -1 } } }))).toThrow(/non-negative/)
    expect(heartbeatSigningBytes(withVector)).toEqual(heartbeatSigningBytes(heartbeat))
    expect(() => decodeGossip(new Uint8Array([0x7a, 0x7b, 0x7d]))).toThrow(MalformedFrameError)
    expect(Buffer.from(heartbeatSigningBytes(heartbeat)).toString()).toContain('\nr\n3\n4')
  })
})
