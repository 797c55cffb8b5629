/**
 * Opening the SQLite file: WAL, synchronous=FULL (each commit durable), schema migrations by
 * PRAGMA user_version. Failures come out as named errors, never as an uncaught exception.
 */
import { DatabaseSync } from 'node:sqlite'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { classifyStorageError, SchemaVersionError, StorageError } from './errors.js'
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js'

export interface OpenDatabaseInit {
  path: string
  migrations?: readonly Migration[]
}

/**
 * The ledger files are readable by their owner only, whatever the umask or the data directory's mode:
 * SQLite gives the -wal and -shm files the mode of the database file, so creating it 0600 first
 * covers all three; files made by an older version are narrowed.
 */
function restrictToOwner (path: string): void {
  closeSync(openSync(path, 'a', 0o600))
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600)
  }
}

export function openDatabase (init: OpenDatabaseInit): DatabaseSync {
  const { path } = init
  const migrations = init.migrations ?? MIGRATIONS
  const supported = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      restrictToOwner(path)
    } catch (err) {
      throw new StorageError(path, `cannot create the directory or the file: ${(err as Error).message}`, { cause: err })
    }
  }
  let db: DatabaseSync | undefined
  try {
    db = new DatabaseSync(path)
    // journal_mode reads the header: a file that is not a database fails here (SQLITE_NOTADB).
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA synchronous = FULL')
    db.exec('PRAGMA foreign_keys = ON')
    // Reading a corrupt file must fail, not return garbage.
    db.exec('PRAGMA cell_size_check = ON')
    const row = db.prepare('PRAGMA user_version').get() as { user_version: number }
    const current = row.user_version
    if (current > supported) throw new SchemaVersionError(current, supported)
    for (const m of migrations) {
      if (m.version <= current) continue
      db.exec('BEGIN IMMEDIATE')
      try {
        db.exec(m.sql)
        db.exec(`PRAGMA user_version = ${m.version}`)
        db.exec('COMMIT')
      } catch (err) {
        db.exec('ROLLBACK')
        throw err
      }
    }
    return db
  } catch (err) {
    try {
      db?.close()
    } catch {
      // already failing: the first error is the one to report
    }
    if (err instanceof SchemaVersionError) throw err
    throw classifyStorageError(path, err)
  }
}

export { SCHEMA_VERSION }
