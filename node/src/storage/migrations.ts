/**
 * Schema migrations, applied in order; `PRAGMA user_version` holds the number of the last one applied.
 * Append new migrations at the end; never edit one that has shipped.
 */
export interface Migration {
  version: number
  description: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'records, meta, idempotency, equivocations',
    sql: `
      CREATE TABLE records (
        lsn INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        origin TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        key TEXT NOT NULL,
        payload TEXT NOT NULL,
        sig TEXT NOT NULL,
        UNIQUE (origin, seq)
      );
      CREATE INDEX records_key_ts ON records (key, ts);
      CREATE TABLE meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE idempotency (
        key TEXT PRIMARY KEY,
        request_hash TEXT NOT NULL,
        record_ids TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE equivocations (
        origin TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ids TEXT NOT NULL,
        applied_id TEXT,
        detected_at INTEGER NOT NULL,
        PRIMARY KEY (origin, seq)
      ) WITHOUT ROWID;
    `
  }
]

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version
