/**
 * Wire formats of sync. Batches and requests are JSON compressed with brotli (node:zlib): records
 * carry JSON payloads, hex ids and repeated origins that compress well, and the goal is to receive
 * less than one payload's size per record. Gossip messages stay uncompressed (one small record,
 * latency first). Everything decoded is shape-checked: peers are untrusted until the ledger verifies.
 */
import { promisify } from 'node:util'
import { brotliCompress, brotliDecompress, constants as zc } from 'node:zlib'
import { MalformedFrameError } from './errors.js'
import type { JsonValue, LedgerRecord, VersionVector } from '../ledger/interface.js'

const compress = promisify(brotliCompress)
const decompress = promisify(brotliDecompress)

/** Brotli quality 5: measured the best size per CPU ms for record batches (11 is 20x slower for ~8% less). */
const BROTLI_QUALITY = 5
/** Output chunk of decompression: a batch is about 1 MiB, and 16 KiB chunks (the default) cost twice the CPU in callbacks and copies. */
const DECOMPRESS_CHUNK = 1024 * 1024
/** Upper bound of a decompressed frame: guards against compression bombs. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024

export interface SyncRequest {
  version_vector: VersionVector
  limit?: number
  max_bytes?: number
}

export interface SyncBatch {
  records: LedgerRecord[]
  /** The sender has more records for the requester after this batch. */
  more: boolean
  /** The sender's version vector (HTTP pull answers: tells the client what to push). */
  version_vector?: VersionVector
  /** The sender's peer ID (HTTP pull answers: a node finds its own URL in a peers file this way). */
  peer_id?: string
}

export async function encodeFrame (value: SyncRequest | SyncBatch): Promise<Uint8Array> {
  const json = Buffer.from(JSON.stringify(value), 'utf8')
  return await compress(json, {
    params: {
      [zc.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT,
      [zc.BROTLI_PARAM_SIZE_HINT]: json.length
    }
  })
}

async function decodeJson (kind: string, bytes: Uint8Array): Promise<unknown> {
  let json: Buffer
  try {
    json = await decompress(bytes, { maxOutputLength: MAX_FRAME_BYTES, chunkSize: DECOMPRESS_CHUNK })
  } catch (err) {
    throw new MalformedFrameError(kind, `decompress: ${(err as Error).message}`)
  }
  try {
    return JSON.parse(json.toString('utf8'))
  } catch (err) {
    throw new MalformedFrameError(kind, `json: ${(err as Error).message}`)
  }
}

export async function decodeRequest (bytes: Uint8Array): Promise<SyncRequest> {
  const v = await decodeJson('request', bytes)
  return checkRequest(v)
}

export function checkRequest (v: unknown): SyncRequest {
  if (!isObject(v)) throw new MalformedFrameError('request', 'not an object')
  const vv = checkVersionVector('request', v.version_vector)
  const out: SyncRequest = { version_vector: vv }
  if (v.limit !== undefined) out.limit = checkPositiveInt('request', 'limit', v.limit)
  if (v.max_bytes !== undefined) out.max_bytes = checkPositiveInt('request', 'max_bytes', v.max_bytes)
  return out
}

export async function decodeBatch (bytes: Uint8Array): Promise<SyncBatch> {
  const v = await decodeJson('batch', bytes)
  if (!isObject(v) || !Array.isArray(v.records)) throw new MalformedFrameError('batch', 'expected {records: [...]}')
  const batch: SyncBatch = { records: v.records.map(r => checkRecordShape('batch', r)), more: v.more === true }
  if (v.version_vector !== undefined) batch.version_vector = checkVersionVector('batch', v.version_vector)
  if (typeof v.peer_id === 'string') batch.peer_id = v.peer_id
  return batch
}

export function checkVersionVector (kind: string, v: unknown): VersionVector {
  if (!isObject(v)) throw new MalformedFrameError(kind, 'version_vector must be an object')
  const out: VersionVector = {}
  for (const [origin, seq] of Object.entries(v)) {
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
      throw new MalformedFrameError(kind, `version_vector[${origin}] must be a non-negative integer`)
    }
    out[origin] = seq
  }
  return out
}

/** Shape only: id, signature and membership are the ledger's to verify. */
export function checkRecordShape (kind: string, r: unknown): LedgerRecord {
  if (!isObject(r) || typeof r.origin !== 'string' || typeof r.seq !== 'number' || typeof r.ts !== 'number' ||
    typeof r.key !== 'string' || !('payload' in r) || typeof r.id !== 'string' || typeof r.sig !== 'string') {
    throw new MalformedFrameError(kind, 'record must have origin, seq, ts, key, payload, id, sig')
  }
  return { origin: r.origin, seq: r.seq, ts: r.ts, key: r.key, payload: r.payload as JsonValue, id: r.id, sig: r.sig }
}

function checkPositiveInt (kind: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new MalformedFrameError(kind, `${field} must be a positive integer`)
  return v
}

function isObject (v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

// ---- gossip messages (topic aethel/lattice/v1) ----

export interface Heartbeat {
  peerId: string
  vvDigest: string
  merkleRoot: string
  recordCount: number
  ts: number
  /**
   * The sender's version vector (optional: older nodes send none). Not signed itself: a receiver uses
   * it only when its digest equals the signed `vvDigest` (`heartbeatVector` in heartbeat.ts).
   */
  vv?: VersionVector
}

export interface SignedHeartbeat extends Heartbeat {
  /** Base64url Ed25519 signature of the sender over `heartbeatSigningBytes`. */
  sig: string
}

export type GossipMessage =
  | { type: 'records', records: LedgerRecord[] }
  | { type: 'heartbeat', heartbeat: SignedHeartbeat }

/** First byte of a gossip message. */
const RECORDS = 0x52 // 'R': a JSON array of records (local appends published together)
const HEARTBEAT = 0x68 // 'h'
/** Most records one gossip message carries. */
export const MAX_GOSSIP_RECORDS = 512

export function encodeGossip (msg: GossipMessage): Uint8Array {
  const body = Buffer.from(JSON.stringify(msg.type === 'records' ? msg.records : msg.heartbeat), 'utf8')
  const out = new Uint8Array(body.length + 1)
  out[0] = msg.type === 'records' ? RECORDS : HEARTBEAT
  out.set(body, 1)
  return out
}

export function decodeGossip (data: Uint8Array): GossipMessage {
  if (data.length < 2) throw new MalformedFrameError('gossip', 'too short')
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(data.buffer, data.byteOffset + 1, data.length - 1).toString('utf8'))
  } catch (err) {
    throw new MalformedFrameError('gossip', `json: ${(err as Error).message}`)
  }
  if (data[0] === RECORDS) {
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_GOSSIP_RECORDS) throw new MalformedFrameError('gossip', `expected 1..${MAX_GOSSIP_RECORDS} records`)
    return { type: 'records', records: v.map(r => checkRecordShape('gossip', r)) }
  }
  if (data[0] === HEARTBEAT) {
    if (!isObject(v) || typeof v.peerId !== 'string' || typeof v.vvDigest !== 'string' || typeof v.merkleRoot !== 'string' ||
      typeof v.recordCount !== 'number' || typeof v.ts !== 'number' || typeof v.sig !== 'string') {
      throw new MalformedFrameError('gossip', 'heartbeat fields missing')
    }
    const heartbeat: SignedHeartbeat = { peerId: v.peerId, vvDigest: v.vvDigest, merkleRoot: v.merkleRoot, recordCount: v.recordCount, ts: v.ts, sig: v.sig }
    if (v.vv !== undefined) heartbeat.vv = checkVersionVector('gossip', v.vv)
    return { type: 'heartbeat', heartbeat }
  }
  throw new MalformedFrameError('gossip', `unknown type byte ${data[0]}`)
}

/** The bytes a heartbeat's signature covers: a fixed field order, so both sides agree. */
export function heartbeatSigningBytes (hb: Heartbeat): Uint8Array {
  return Buffer.from(`aethel-heartbeat/1\n${hb.peerId}\n${hb.vvDigest}\n${hb.merkleRoot}\n${hb.recordCount}\n${hb.ts}`, 'utf8')
}
