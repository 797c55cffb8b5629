/**
 * Presigning: before a group's transaction, with the event loop free, give the group's new local
 * records their seqs and sign them in parallel on the thread pool. Only one group is in flight, so
 * the head read here is still the head when the transaction runs; if something moved it anyway,
 * the write path notices (first seq no longer next) and signs synchronously instead.
 */
import type { LedgerCore } from './core.js'
import type { IdempotencyIndex, CheckedEntry } from './idempotency.js'
import type { LedgerRecord, NewEntry, RecordBody } from './interface.js'
import { recordId, type RecordSigner } from './record.js'

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

export async function presignAppends (core: LedgerCore, signer: RecordSigner, idempotency: IdempotencyIndex, ops: AppendOp[]): Promise<void> {
  let head = core.state.head(core.origin)
  const keys = new Set<string>()
  const signing: Array<Promise<void>> = []
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
    signing.push(...records.map(async (r) => { r.sig = await signer.signAsync(r.id) }))
    op.presigned = records
  }
  await Promise.all(signing)
}
