/**
 * What the ledger's parts share: one store, one in-memory state, one clock, one lifecycle. The facade
 * (ledger.ts) builds it once and hands it to each part, so no part reaches into another's fields.
 */
import type { DatabaseSync } from 'node:sqlite'
import type { Logger } from '../../../packages/log/src/index.js'
import { createRecordStore, type RecordStore } from '../storage/index.js'
import type { LedgerComponents, LedgerInit } from './init.js'
import { createLedgerMetrics, type LedgerMetrics } from './metrics.js'
import { DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_PAYLOAD_BYTES, type RecordLimits } from './record.js'
import { LedgerState } from './state.js'

export interface LedgerLifecycle {
  /** close() has started: no new writes or checks. */
  closing: boolean
  /** The database is closed: reads fail too. */
  closed: boolean
}

export interface LedgerCore {
  /** This node's peer ID: the origin of local records. */
  readonly origin: string
  readonly dbPath: string
  readonly store: RecordStore
  readonly state: LedgerState
  readonly limits: RecordLimits
  readonly metrics: LedgerMetrics
  readonly log: Logger
  readonly lifecycle: LedgerLifecycle
  /** The injected clock as a non-negative integer of ms (a record's ts, an idempotency row's age). */
  now(): number
}

/** Meta keys: the Merkle root and record count stored with each commit, compared at open and by the integrity check. */
export const META_ROOT = 'merkle_root'
export const META_COUNT = 'record_count'
/** `<lsn> <id>`: the last healthy integrity check verified every record up to lsn (integrity-runner.ts). */
export const META_VERIFIED = 'verified_up_to'

/** A clock that always yields a usable ts, even when the injected one returns nonsense. */
export function normalizedClock (clock: () => number): () => number {
  return () => {
    const t = clock()
    return Number.isFinite(t) ? Math.max(0, Math.floor(t)) : Date.now()
  }
}

export function createLedgerCore (init: LedgerInit, components: LedgerComponents, db: DatabaseSync, origin: string): LedgerCore {
  return {
    origin,
    dbPath: init.dbPath,
    store: createRecordStore(db),
    state: new LedgerState(),
    limits: { maxKeyBytes: init.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES, maxPayloadBytes: init.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES },
    metrics: createLedgerMetrics(components.registry),
    log: components.logger.child({ component: 'ledger' }),
    lifecycle: { closing: false, closed: false },
    now: normalizedClock(components.clock ?? Date.now)
  }
}
