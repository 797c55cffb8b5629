/** The ledger's init (settings) and components (what it is given), js-libp2p style. */
import type { PrivateKey } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import type { Logger } from '../../../packages/log/src/index.js'

export interface LedgerInit {
  /** The SQLite file (created with its directory when missing). */
  dbPath: string
  maxKeyBytes?: number
  maxPayloadBytes?: number
  /** Out-of-order remote records kept in memory waiting for their gap to close (default 10,000). */
  maxBufferedRecords?: number
  /** Run a full integrityCheck in the background after opening (default true). */
  integrityCheckOnOpen?: boolean
  /** Records verified per chunk of the integrity check (default 2,000). */
  integrityChunkSize?: number
  /** Run the integrity check in a worker thread (default true); false runs it in-process, in chunks. */
  integrityInWorker?: boolean
  /** PRAGMA quick_check instead of the full integrity_check in the worker (default false; the in-process fallback always uses quick_check). */
  integrityQuickCheck?: boolean
  /** Records per transaction at most (default 5,000): bounds how long one group commit holds the event loop. */
  maxGroupRecords?: number
  /** Sign new local records on a worker thread, a group at a time (default true; false: on the libuv thread pool). */
  signInWorker?: boolean
  /** Worker threads verifying remote records (default: the cores, at most 2; 0 verifies on the main thread and the libuv pool). */
  verifyThreads?: number
  /** How long an idempotency key is remembered (default 24 h, as payment APIs do); pruned as writes go. */
  idempotencyTtlMs?: number
}

export interface LedgerComponents {
  /** The node's libp2p Ed25519 key: its peer ID is the origin of local records. */
  privateKey: PrivateKey
  /** Whether a peer ID belongs to the network: records of other origins are rejected. */
  isMember: (origin: string) => boolean
  logger: Logger
  registry?: Registry
  clock?: () => number
}
