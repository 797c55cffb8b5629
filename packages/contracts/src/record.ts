/**
 * The record as it travels: what the REST API serves, gossip and sync carry, and clients read.
 * `id` is the hex SHA-256 of the RFC 8785 canonical JSON (canonical-json.ts) of the body.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** What the origin signs: `id` is the hex SHA-256 of the RFC 8785 canonical JSON of this body. */
export interface RecordBody {
  /** The writing node's libp2p peer ID (base58btc, `12D3Koo…`). */
  origin: string
  /** Counts this origin's records from 1, no gaps. */
  seq: number
  /** The origin's clock, ms since the epoch. */
  ts: number
  /** At most 256 UTF-8 bytes. */
  key: string
  /** Any JSON, at most 64 KiB as canonical JSON. */
  payload: JsonValue
}

export interface LedgerRecord extends RecordBody {
  /** Hex SHA-256 of canonical JSON of the body. */
  id: string
  /** Base64url (no padding) Ed25519 signature of the origin over the UTF-8 bytes of `id`. */
  sig: string
}

/** {origin: highest contiguous seq}: exactly what a node holds. */
export type VersionVector = Record<string, number>

/** The wire form of a record: the signed fields only (a stored record's `lsn` is local to its node). */
export function toWireRecord (record: LedgerRecord): LedgerRecord {
  const { id, origin, seq, ts, key, payload, sig } = record
  return { id, origin, seq, ts, key, payload, sig }
}
