/**
 * The checks a remote record passes before it may join a group commit: not a known duplicate, well
 * formed and within limits, from a network member, and correctly signed. Cheap checks run first;
 * signature checks (the expensive part) run in parallel on the thread pool.
 */
import type { LedgerCore } from './core.js'
import type { IngestResult, LedgerRecord, RejectReason } from './interface.js'
import { toWireRecord } from '../../../packages/contracts/src/record.js'
import { checkRecord, verifySignatureAsync } from './record.js'
import type { PendingRecord } from './state.js'

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

export async function screenRemoteRecords (core: LedgerCore, isMember: MembershipCheck, records: LedgerRecord[]): Promise<ScreenedRecords> {
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
  const candidates: PendingRecord[] = []
  // Each signature check starts on the thread pool as soon as its record passed the cheap checks,
  // so the pool verifies while this loop canonicalises and hashes the next records.
  const checks: Array<Promise<boolean>> = []
  for (const r of Array.isArray(records) ? records : []) {
    const rec = r as Partial<LedgerRecord> | null
    // Cheap duplicate test first: gossip re-delivers a lot, and a known id needs no verification.
    if (typeof rec?.origin === 'string' && typeof rec.seq === 'number' && core.state.idAt(rec.origin, rec.seq) === rec.id) {
      result.duplicates++
      continue
    }
    const checked = checkRecord(r, core.limits)
    if (!('canonicalPayload' in checked)) {
      result.rejected.push(rejection(rec, checked.reason))
      continue
    }
    if (!member(r.origin)) {
      result.rejected.push(rejection(r, 'unknown_origin'))
      continue
    }
    // Keep only the fields that are signed: extra properties must not reach storage or events.
    const clean = toWireRecord(r)
    candidates.push({ record: clean, canonicalPayload: checked.canonicalPayload })
    checks.push(verifySignatureAsync(clean))
  }
  const ok = await Promise.all(checks)
  const verified: PendingRecord[] = []
  for (let i = 0; i < candidates.length; i++) {
    if (ok[i]) verified.push(candidates[i])
    else result.rejected.push(rejection(candidates[i].record, 'bad_signature'))
  }
  return { verified, result }
}
