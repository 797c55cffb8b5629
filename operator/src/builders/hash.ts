import { createHash } from 'node:crypto'
import { canonicalJson } from '../../../packages/contracts/src/canonical-json.js'

/** Short, stable content hash (16 hex characters of SHA-256 over canonical JSON). */
export function contentHash (value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16)
}
