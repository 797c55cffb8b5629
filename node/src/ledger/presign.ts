/**
 * Presigning: before a group's transaction, with the event loop free, give the group's new local
 * records their seqs and sign them all in one batch on the sign worker (batch-signer.ts). The group
 * commit prepares the next group while the one before it commits, so the seqs start after that
 * group's presigned ones; if something moved the head otherwise (that group failed or replayed an
 * idempotent request, our own records came back from a peer), the write path notices (first seq no
 * longer next) and signs synchronously instead.
 */
import type { LedgerCore } from './core.js'
import type { IdempotencyIndex, CheckedEntry } from './idempotency.js'
import type { LedgerRecord, NewEntry, RecordBody } from './interface.js'
import type { BatchSigner } from './batch-signer.js'
import { recordId } from './record.js'

/** A local append as the write path queues it. */
export interface AppendOp {
  kind: 'append'
  entries: CheckedEntry[]
  idempotencyKey?: string
  /** Hash of the canonical entries, only computed when an idempotency key is given. */
  requestHash: string
  /** Signed by presignAppends, for the seqs this op will get if nothing else shifts them. */
  presigned?: LedgerRecord[]
}

/** The body of a local record at `seq`, stamped with the ledger's clock. */
export function localBody (core: LedgerCore, seq: number, e: CheckedEntry): RecordBody {
  // The payload as stored (parsed back from its canonical text): detached from the caller's object.
  const payload = JSON.parse(e.canonicalPayload) as NewEntry['payload']
  return { origin: core.origin, seq, ts: core.now(), key: e.key, payload }
}

/**
 * Sign the ops' new records for the seqs after `head` (the committed head plus what groups still
 * ahead of this one were presigned for). Returns how many records it signed.
 */
export async function presignAppends (core: LedgerCore, signer: BatchSigner, idempotency: IdempotencyIndex, ops: AppendOp[], head: number): Promise<number> {
  const keys = new Set<string>()
  const unsigned: LedgerRecord[] = []
  for (const op of ops) {
    op.presigned = undefined
    const key = op.idempotencyKey
    if (key !== undefined) {
      // A repeated key in this group, or a stored one, writes nothing (replay or conflict).
      if (keys.has(key)) continue
      keys.add(key)
      if (idempotency.live(key) !== undefined) continue
    }
    const records = op.entries.map((e) => {
      const body = localBody(core, ++head, e)
      return { ...body, id: recordId(body, e.canonicalPayload), sig: '' }
    })
    unsigned.push(...records)
    op.presigned = records
  }
  if (unsigned.length === 0) return 0
  const sigs = await signer.signMany(unsigned.map((r) => r.id))
  for (let i = 0; i < unsigned.length; i++) unsigned[i].sig = sigs[i]
  return unsigned.length
}
