/**
 * Version vectors: {origin: highest contiguous seq}. Because each origin's records are applied in seq
 * order without gaps, a version vector describes a ledger's state exactly. Pure helpers.
 */
import { canonicalize } from '../../../packages/contracts/src/canonical-json.js'
import type { VersionVector } from './interface.js'
import { sha256Hex } from './record.js'

export type VectorOrder = 'equal' | 'before' | 'after' | 'concurrent'

function seqOf (vv: VersionVector, origin: string): number {
  return Object.hasOwn(vv, origin) ? vv[origin] : 0
}

/** How `a` relates to `b`: 'before' = a is strictly behind b, 'after' = strictly ahead. */
export function compare (a: VersionVector, b: VersionVector): VectorOrder {
  let ahead = false
  let behind = false
  for (const o of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = seqOf(a, o)
    const y = seqOf(b, o)
    if (x > y) ahead = true
    else if (x < y) behind = true
    if (ahead && behind) return 'concurrent'
  }
  if (ahead) return 'after'
  if (behind) return 'before'
  return 'equal'
}

/** a has everything b has (a ≥ b for every origin). */
export function dominates (a: VersionVector, b: VersionVector): boolean {
  for (const o of Object.keys(b)) if (seqOf(a, o) < b[o]) return false
  return true
}

/** Pointwise maximum. */
export function merge (a: VersionVector, b: VersionVector): VersionVector {
  const out: VersionVector = { ...a }
  for (const o of Object.keys(b)) if (b[o] > seqOf(out, o)) out[o] = b[o]
  return out
}

/** Per origin, how many records `ours` has that `theirs` lacks: {origin: [fromSeq, toSeq]}. */
export function missing (ours: VersionVector, theirs: VersionVector): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {}
  for (const o of Object.keys(ours)) {
    const t = seqOf(theirs, o)
    if (ours[o] > t) out[o] = [t + 1, ours[o]]
  }
  return out
}

/** Total number of records described by a vector. */
export function total (vv: VersionVector): number {
  let n = 0
  for (const o of Object.keys(vv)) n += vv[o]
  return n
}

/** Hex SHA-256 of the canonical JSON of the vector (zero entries dropped so {} and {a: 0} agree). */
export function digest (vv: VersionVector): string {
  const clean: VersionVector = {}
  for (const o of Object.keys(vv)) if (vv[o] > 0) clean[o] = vv[o]
  return sha256Hex(canonicalize(clean))
}
