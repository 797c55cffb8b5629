/**
 * The ledger: a replicated, append-only set of records signed by their origin.
 *
 * The state is exactly described by the version vector {origin: highest contiguous seq}: a record is
 * applied only when it is the next seq of its origin, later ones wait in a buffer. The Merkle root
 * (a hash tree over record ids bucketed by id prefix) is the same for equal sets whatever the order.
 */

import type { JsonValue, LedgerRecord, VersionVector } from '../../../packages/contracts/src/record.js'

// The record's wire form is part of the contract between node, operator and clients.
export type { JsonValue, LedgerRecord, RecordBody } from '../../../packages/contracts/src/record.js'

/** A record as stored locally: `lsn` is this node's apply order (1, 2, …), a resumable cursor. */
export interface StoredRecord extends LedgerRecord {
  lsn: number
}

export type { VersionVector } from '../../../packages/contracts/src/record.js'

export interface NewEntry {
  key: string
  payload: JsonValue
}

/** Why a remote record was not applied (kept out of the state). */
export type RejectReason =
  | 'bad_signature'
  | 'bad_id'
  | 'unknown_origin'
  | 'malformed'
  | 'too_large'
  | 'equivocation'

export interface IngestResult {
  /** Records applied now (including buffered ones this batch unblocked), in apply order. */
  applied: StoredRecord[]
  /** Already present (same id): ignored. */
  duplicates: number
  /** Waiting in the buffer for an earlier seq of their origin. */
  buffered: number
  rejected: Array<{ id?: string, origin?: string, seq?: number, reason: RejectReason }>
  /** Where this ingest's time went, ms: screening (shape, id, signature) and its group commit (queueing included). */
  timing?: { verifyMs: number, commitMs: number }
}

export interface IntegrityCheckOptions {
  incremental?: boolean
}

export interface IntegrityReport {
  /** 'healthy' | 'unhealthy' as the seed's health components say. */
  status: 'healthy' | 'unhealthy'
  /** SQLite PRAGMA integrity_check said ok. */
  sqlite_ok: boolean
  /** The Merkle root recomputed from the stored ids equals the stored root. */
  merkle_ok: boolean
  /** Every stored record's id and signature verify. */
  signatures_ok: boolean
  record_count: number
  /** 'incremental': only the records after verified_from_lsn were verified (the start-up check after an earlier healthy one). */
  mode?: 'full' | 'incremental'
  /** Records whose id and signature this check verified. */
  verified_records?: number
  /** Records up to this lsn were verified by an earlier check (0: none, a full check). */
  verified_from_lsn?: number
  merkle_root: string
  checked_at: string
  duration_ms: number
  /** Human-readable reasons when unhealthy. */
  errors: string[]
  /** Equivocations this node knows of (each is also listed in errors and makes the report unhealthy). */
  equivocations?: number
}

export interface AppendOptions {
  /** A retry with the same key returns the first result instead of writing again. */
  idempotencyKey?: string
}

export interface ListOptions {
  /** Return records with lsn > after. */
  after?: number
  limit: number
}

export interface LedgerEvents {
  /** Emitted after records are durably applied (local appends and remote ingests). */
  applied: (records: StoredRecord[]) => void
  /** Emitted when two records share (origin, seq) with different ids. */
  equivocation: (detail: { origin: string, seq: number, ids: string[] }) => void
}

export interface Ledger {
  /** This node's peer ID. */
  readonly origin: string

  /**
   * Local writes: assign seq and ts, sign, and commit all entries in one transaction (all-or-nothing).
   * Resolves only after the commit is durable (synchronous=FULL). Concurrent calls are group-committed.
   */
  append(entries: NewEntry[], options?: AppendOptions): Promise<StoredRecord[]>

  /**
   * Remote records (gossip, P2P catch-up, HTTP sync): verify id and signature, check membership,
   * apply in seq order, buffer gaps, detect equivocation. Durable when it resolves.
   */
  ingest(records: LedgerRecord[]): Promise<IngestResult>

  get(id: string): StoredRecord | undefined
  /** Records of one origin with seq in [fromSeq, toSeq], ascending, at most limit. */
  listByOrigin(origin: string, fromSeq: number, toSeq: number | undefined, limit: number): StoredRecord[]
  /** All records in apply order after a cursor. */
  list(options: ListOptions): StoredRecord[]
  /** The derived key view: latest record for a key (highest ts, then origin). */
  latestByKey(key: string): StoredRecord | undefined

  versionVector(): VersionVector
  merkleRoot(): string
  recordCount(): number
  /** Highest lsn applied so far (0 when empty). */
  lastLsn(): number
  /** Number of records waiting for an earlier seq. */
  bufferedCount(): number

  /**
   * The one sync algorithm of the P2P and HTTP paths: the records this ledger has that a peer with
   * version vector `theirs` lacks, per origin in seq order, at most `limit` records / `maxBytes`.
   */
  missingFor(theirs: VersionVector, limit: number, maxBytes?: number): LedgerRecord[]

  /**
   * The integrity check. Full by default (every record); `incremental` verifies only the records written
   * after the last healthy check's durable mark (the start-up check), or all of them without a usable mark.
   */
  integrityCheck(options?: IntegrityCheckOptions): Promise<IntegrityReport>
  /** The last integrity report (run at open and on demand). */
  lastIntegrity(): IntegrityReport | undefined

  on<E extends keyof LedgerEvents>(event: E, listener: LedgerEvents[E]): void
  off<E extends keyof LedgerEvents>(event: E, listener: LedgerEvents[E]): void

  /** Finish in-flight commits, then close the database. */
  close(): Promise<void>
}
