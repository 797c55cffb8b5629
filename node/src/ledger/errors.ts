/** Named errors of the ledger. Metadata lives in fields, not in string codes. */

/** A local entry (append) failed validation: nothing of the batch was written. */
export class InvalidEntryError extends Error {
  static readonly NAME = 'InvalidEntryError'
  /** Which field failed: 'key' | 'payload' | 'entries'. */
  readonly field: string
  /** The limit that was exceeded, when a size limit failed. */
  readonly limit?: number
  /** Index of the offending entry in the batch. */
  readonly index?: number
  constructor (message: string, field: string, options: { limit?: number, index?: number } = {}) {
    super(message)
    this.name = InvalidEntryError.NAME
    this.field = field
    if (options.limit !== undefined) this.limit = options.limit
    if (options.index !== undefined) this.index = options.index
  }
}

/** The same idempotency key was used before with different entries. */
export class IdempotencyConflictError extends Error {
  static readonly NAME = 'IdempotencyConflictError'
  readonly idempotencyKey: string
  constructor (idempotencyKey: string) {
    super(`idempotency key ${JSON.stringify(idempotencyKey)} was already used with different entries`)
    this.name = IdempotencyConflictError.NAME
    this.idempotencyKey = idempotencyKey
  }
}

/** An operation on a ledger that is closing or closed. */
export class LedgerClosedError extends Error {
  static readonly NAME = 'LedgerClosedError'
  constructor () {
    super('the ledger is closed')
    this.name = LedgerClosedError.NAME
  }
}

/** The private key given to the ledger is not an Ed25519 key. */
export class UnsupportedKeyError extends Error {
  static readonly NAME = 'UnsupportedKeyError'
  readonly keyType: string
  constructor (keyType: string) {
    super(`the ledger signs with Ed25519 keys, got ${keyType}`)
    this.name = UnsupportedKeyError.NAME
    this.keyType = keyType
  }
}
