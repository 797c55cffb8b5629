/**
 * The checks a remote record passes before it may join a group commit: not a known duplicate, well
 * formed and within limits, from a network member, and correctly signed. The duplicate and membership
 * tests run here; shape, id and signature (the expensive part) on the record verifier's threads.
 */
import type { LedgerCore } from './core.js'
import type { IngestResult, LedgerRecord, RejectReason } from './interface.js'
import { toWireRecord } from '../../../packages/contracts/src/record.js'
import type { PendingRecord } from './state.js'
import type { RecordVerifier } from './verifier.js'

export interface ScreenedRecords {
  /** Passed every check, in input order: ready for the write path. */
  verified: PendingRecord[]
  /** Known ids (counted, not applied) and the records that failed a check. */
  result: IngestResult
}

/** Membership of an origin; the one gate for records of every transport (gossip, catch-up, HTTP). */
export type MembershipCheck = (origin: string) => boolean

export function rejection (r: Partial<LedgerRecord> | null | undefined, reason: RejectReason): IngestResult['rejected'][number] {
  const entry: IngestResult['rejected'][number] = { reason }
  if (typeof r?.id === 'string') entry.id = r.id
  if (typeof r?.origin === 'string') entry.origin = r.origin
  if (typeof r?.seq === 'number') entry.seq = r.seq
  return entry
}

export async function screenRemoteRecords (core: LedgerCore, verifier: RecordVerifier, isMember: MembershipCheck, records: LedgerRecord[]): Promise<ScreenedRecords> {
  const result: IngestResult = { applied: [], duplicates: 0, buffered: 0, rejected: [] }
  const member = (origin: string): boolean => {
    if (origin === core.origin) return true
    try {
      return isMember(origin)
    } catch (err) {
      core.log.warn('membership check threw: treating the origin as unknown', { origin, err: (err as Error).message })
      return false
    }
  }
  const candidates: LedgerRecord[] = []
  const members: boolean[] = []
  for (const r of Array.isArray(records) ? records : []) {
    const rec = r as Partial<LedgerRecord> | null
    // Cheap duplicate test first: gossip re-delivers a lot, and a known id needs no verification.
    if (typeof rec?.origin === 'string' && typeof rec.seq === 'number' && core.state.idAt(rec.origin, rec.seq) === rec.id) {
      result.duplicates++
      continue
    }
    candidates.push(r)
    // a non-member's record is rejected whatever its signature: not worth a verification
    members.push(typeof rec?.origin === 'string' && member(rec.origin))
  }
  // shape, id and signature on the verifier's threads; a shape problem wins over membership, membership over the signature
  const outcomes = await verifier.verify({ records: candidates, signature: members })
  const verified: PendingRecord[] = []
  const badSignatures: IngestResult['rejected'] = []
  for (let i = 0; i < candidates.length; i++) {
    const r = candidates[i]
    const outcome = outcomes[i]
    if (!outcome.ok && outcome.reason === 'bad_signature') badSignatures.push(rejection(r, 'bad_signature'))
    else if (!outcome.ok) result.rejected.push(rejection(r, outcome.reason))
    else if (!members[i]) result.rejected.push(rejection(r, 'unknown_origin'))
    // Keep only the fields that are signed: extra properties must not reach storage or events.
    else verified.push({ record: toWireRecord(r), canonicalPayload: outcome.canonicalPayload })
  }
  // signature failures last, as they always were reported
  result.rejected.push(...badSignatures)
  return { verified, result }
}
