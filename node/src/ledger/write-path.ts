/**
 * The write path: local appends and remote ingests go through one group committer, so every write
 * arriving in one event-loop turn shares one BEGIN IMMEDIATE … COMMIT (one fsync). A group works on a
 * Draft over the committed state; memory changes only after COMMIT, and a failed transaction rejects
 * all its callers with a StorageError and changes nothing.
 */
import type { DatabaseSync } from 'node:sqlite'
import type { BatchSigner } from './batch-signer.js'
import { classifyStorageError, createGroupCommitter, type GroupOutcome } from '../storage/index.js'
import { META_COUNT, META_ROOT, type LedgerCore } from './core.js'
import { IdempotencyConflictError } from './errors.js'
import type { IdempotencyIndex } from './idempotency.js'
import type { StoredRecord } from './interface.js'
import { localBody, presignAppends, type AppendOp } from './presign.js'
import { signRecord, type RecordSigner } from './record.js'
import { Draft, type IngestTally, type PendingRecord } from './state.js'

export type { AppendOp } from './presign.js'

/** Verified remote records on their way into a group. */
export interface IngestOp {
  kind: 'ingest'
  items: PendingRecord[]
}

export type WriteOp = AppendOp | IngestOp

export interface WritePathInit {
  /** Out-of-order remote records kept in memory at most. */
  maxBuffered: number
  /** Records per transaction at most: bounds how long one group holds the event loop. */
  maxGroupRecords: number
}

export interface WritePathComponents {
  db: DatabaseSync
  core: LedgerCore
  signer: RecordSigner
  /** Signs a group's new records ahead of its transaction, in one batch. */
  batchSigner: BatchSigner
  idempotency: IdempotencyIndex
  /** After COMMIT, once memory shows the group: events, metrics, the integrity report. Must not throw. */
  onCommitted(draft: Draft): void
}

export interface WritePath {
  append(op: AppendOp): Promise<StoredRecord[]>
  ingest(items: PendingRecord[]): Promise<IngestTally>
  /** Resolves once everything submitted so far is committed or failed. */
  drain(): Promise<void>
}

type WriteResult = StoredRecord[] | IngestTally

export function createWritePath (init: WritePathInit, components: WritePathComponents): WritePath {
  const { core, signer, idempotency } = components

  /** One group: runs inside BEGIN IMMEDIATE … COMMIT. Reads the state, writes only the draft. */
  const execute = (ops: WriteOp[]): GroupOutcome<WriteResult> => {
    const now = core.now()
    const draft = new Draft(core.state, init.maxBuffered, now)
    // Keys first used earlier in this same group: their rows are not readable yet.
    const inGroup = new Map<string, { hash: string, records: StoredRecord[] }>()
    const results: Array<WriteResult | Error> = []
    for (const op of ops) {
      if (op.kind === 'ingest') {
        const tally: IngestTally = { applied: [], duplicates: 0, buffered: 0, dropped: 0, rejected: [] }
        draft.ingest(op.items, tally)
        results.push(tally)
        continue
      }
      const key = op.idempotencyKey
      if (key !== undefined) {
        const earlier = inGroup.get(key)
        if (earlier !== undefined) {
          results.push(earlier.hash === op.requestHash ? earlier.records : new IdempotencyConflictError(key))
          continue
        }
        const stored = idempotency.replayStored(key, op.requestHash, now)
        if (stored !== undefined) {
          results.push(stored)
          continue
        }
      }
      const records: StoredRecord[] = []
      // Signed ahead by presignAppends unless something (e.g. our own records coming back from a
      // peer after a data loss) moved our head in between: then sign here, synchronously.
      const presigned = op.presigned !== undefined && op.presigned[0]?.seq === draft.head(core.origin) + 1 ? op.presigned : undefined
      for (let i = 0; i < op.entries.length; i++) {
        const e = op.entries[i]
        const record = presigned?.[i] ?? signRecord(localBody(core, draft.head(core.origin) + 1, e), signer, e.canonicalPayload)
        records.push(draft.apply({ record, canonicalPayload: e.canonicalPayload }))
      }
      if (key !== undefined) {
        inGroup.set(key, { hash: op.requestHash, records })
        idempotency.remember(key, op.requestHash, records, now)
      }
      results.push(records)
    }
    for (const { stored: r, canonicalPayload } of draft.records) {
      core.store.insert({ lsn: r.lsn, id: r.id, origin: r.origin, seq: r.seq, ts: r.ts, key: r.key, payload: canonicalPayload, sig: r.sig })
    }
    for (const [, e] of draft.equivocations) core.store.putEquivocation(e)
    idempotency.pruneIfDue(now)
    if (draft.records.length > 0) {
      core.store.setMeta(META_ROOT, draft.prepareMerkle())
      core.store.setMeta(META_COUNT, String(draft.newCount))
    }
    return {
      results,
      rollback: () => {},
      commit: () => {
        draft.publish()
        components.onCommitted(draft)
      }
    }
  }

  /** Records presigned for groups not settled yet (their seqs are taken unless the group fails). */
  let reserved = 0
  const reservations = new Map<WriteOp[], number>()
  const committer = createGroupCommitter<WriteOp, WriteResult>({
    db: components.db,
    execute,
    prepare: async (ops) => {
      // A group ahead of this one may still be uncommitted: its presigned records come first.
      const head = core.state.head(core.origin) + reserved
      const signed = await presignAppends(core, components.batchSigner, idempotency, ops.filter((op): op is AppendOp => op.kind === 'append'), head)
      reservations.set(ops, signed)
      reserved += signed
    },
    settled: (ops) => {
      reserved -= reservations.get(ops) ?? 0
      reservations.delete(ops)
    },
    mapError: (err) => classifyStorageError(core.dbPath, err),
    weight: (op) => (op.kind === 'append' ? op.entries.length : op.items.length),
    maxGroupWeight: init.maxGroupRecords,
    onCommit: ({ ops, seconds }) => {
      core.metrics.commits.inc()
      core.metrics.writeLatency.observe(seconds)
      core.metrics.commitBatchSize.observe(ops)
    },
    onFailure: (err) => {
      core.metrics.storageErrors.inc()
      core.log.error('group commit failed: every write of the group was rejected', { err: (err as Error).message })
    }
  })

  return {
    append: async (op) => await committer.submit(op) as StoredRecord[],
    ingest: async (items) => await committer.submit({ kind: 'ingest', items }) as IngestTally,
    drain: async () => { await committer.drain() }
  }
}
