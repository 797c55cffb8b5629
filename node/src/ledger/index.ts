export * from './interface.js'
export { createLedger, recordWireBytes, type LedgerInit, type LedgerComponents } from './ledger.js'
export { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency.js'
export { canonicalize, canonicalizeText, NonCanonicalValueError } from '../../../packages/contracts/src/canonical-json.js'
export {
  recordId,
  canonicalBody,
  signRecord,
  verifyRecord,
  verifySignature,
  verifySignatureAsync,
  createRecordSigner,
  checkRecord,
  checkEntry,
  originPublicKey,
  isRecordId,
  DEFAULT_LIMITS,
  type RecordSigner,
  type RecordLimits
} from './record.js'
export {
  createMerkleTree,
  bucketOf,
  EMPTY_ROOT,
  MERKLE_BUCKETS,
  MERKLE_DEPTH,
  type MerkleTree,
  type PreparedMerkleUpdate
} from './merkle.js'
export * as versionVector from './version-vector.js'
export { InvalidEntryError, IdempotencyConflictError, LedgerClosedError, UnsupportedKeyError } from './errors.js'
export { createLedgerMetrics, type LedgerMetrics } from './metrics.js'
export { StorageCorruptError, StorageError } from '../storage/errors.js'
