/**
 * Cold start: rebuild the version vector and the Merkle tree from (lsn, origin, seq, id) only, never
 * the payloads, so opening a million-record ledger takes seconds. What this pass can see (malformed
 * rows, seq gaps, duplicate ids, a root differing from the stored one) is returned as problems; the
 * full integrity check that follows in the background refines it.
 */
import { META_ROOT, type LedgerCore } from './core.js'
import { EMPTY_ROOT } from './merkle.js'
import { isRecordId } from './record.js'

/** Problems listed at most: a badly damaged file must not flood the report. */
const MAX_LISTED = 20

/** Prefix of the root-mismatch problem: the full check reports the same thing in its own words. */
export const ROOT_MISMATCH_AT_OPEN = 'merkle root recomputed at open'

export interface ColdStart {
  /** The highest lsn on disk: rows up to it are unverified until a check covers them. */
  lastLsn: number
  problems: string[]
}

export function coldStart (core: LedgerCore): ColdStart {
  const { state, store } = core
  const started = performance.now()
  const ids: string[] = []
  const problems: string[] = []
  let lastLsn = 0
  for (const [lsn, origin, seq, id] of store.scanIndex()) {
    lastLsn = lsn
    // A row edited or damaged into nonsense must not crash the open: report it instead.
    if (!isRecordId(id) || typeof origin !== 'string' || !Number.isSafeInteger(seq) || seq < 1) {
      if (problems.length < MAX_LISTED) problems.push(`record lsn ${lsn} has a malformed id, origin or seq`)
      continue
    }
    state.loadId(origin, seq, id)
    ids.push(id)
  }
  state.lastLsn = lastLsn
  state.merkle.bulkLoad(ids)
  for (const e of store.listEquivocations()) state.loadEquivocation({ ...e })
  const root = state.merkle.root()
  const stored = store.getMeta(META_ROOT)
  for (const g of state.gaps()) problems.push(`records of ${g.origin} have a gap at seq ${g.seq}`)
  if (state.merkle.size !== state.count) problems.push(`${state.count - state.merkle.size} duplicate record ids`)
  if ((stored ?? EMPTY_ROOT) !== root) problems.push(`${ROOT_MISMATCH_AT_OPEN} (${root}) differs from the stored root (${stored ?? 'none'})`)
  core.metrics.records.set(state.count)
  core.metrics.buffered.set(0)
  core.log.info('ledger opened', { records: state.count, origins: state.ids.size, merkle_root: root, ms: Math.round(performance.now() - started) })
  return { lastLsn, problems }
}
