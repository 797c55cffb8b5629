/** Named errors of the storage layer. */

/** SQLite primary result codes we classify (sqlite3.h). */
export const SQLITE_CORRUPT = 11
export const SQLITE_NOTADB = 26

/** The database file is damaged (or is not a database): the daemon reports persistence unhealthy. */
export class StorageCorruptError extends Error {
  static readonly NAME = 'StorageCorruptError'
  readonly path: string
  /** SQLite's extended result code when known. */
  readonly sqliteCode?: number
  constructor (path: string, message: string, options: { sqliteCode?: number, cause?: unknown } = {}) {
    super(`database ${path} is corrupt: ${message}`, { cause: options.cause })
    this.name = StorageCorruptError.NAME
    this.path = path
    if (options.sqliteCode !== undefined) this.sqliteCode = options.sqliteCode
  }
}

/** Any other storage failure (I/O error, disk full, cannot open, …). */
export class StorageError extends Error {
  static readonly NAME = 'StorageError'
  readonly path: string
  readonly sqliteCode?: number
  constructor (path: string, message: string, options: { sqliteCode?: number, cause?: unknown } = {}) {
    super(`database ${path}: ${message}`, { cause: options.cause })
    this.name = StorageError.NAME
    this.path = path
    if (options.sqliteCode !== undefined) this.sqliteCode = options.sqliteCode
  }
}

/** The file was written by a newer schema than this program knows. */
export class SchemaVersionError extends Error {
  static readonly NAME = 'SchemaVersionError'
  readonly found: number
  readonly supported: number
  constructor (found: number, supported: number) {
    super(`database schema version ${found} is newer than the supported ${supported}`)
    this.name = SchemaVersionError.NAME
    this.found = found
    this.supported = supported
  }
}

/** node:sqlite errors carry `errcode` (extended result code) and `errstr`. */
export function sqliteErrorCode (err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'errcode' in err && typeof err.errcode === 'number') return err.errcode
  return undefined
}

export function isCorruption (err: unknown): boolean {
  const code = sqliteErrorCode(err)
  if (code === undefined) return false
  const primary = code & 0xff
  return primary === SQLITE_CORRUPT || primary === SQLITE_NOTADB
}

/** Wrap a SQLite failure in the matching named error. */
export function classifyStorageError (path: string, err: unknown): StorageCorruptError | StorageError {
  if (err instanceof StorageCorruptError || err instanceof StorageError) return err
  const message = err instanceof Error ? err.message : String(err)
  const sqliteCode = sqliteErrorCode(err)
  const options = sqliteCode === undefined ? { cause: err } : { sqliteCode, cause: err }
  return isCorruption(err) ? new StorageCorruptError(path, message, options) : new StorageError(path, message, options)
}
