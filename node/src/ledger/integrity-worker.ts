/**
 * Worker thread of the integrity check: opens its own read-only connection (a WAL reader sees one
 * consistent snapshot while the node keeps committing), scans, and posts the result.
 */
import { DatabaseSync } from 'node:sqlite'
import { parentPort, workerData } from 'node:worker_threads'
import { createRecordStore } from '../storage/record-store.js'
import { scanIntegrity, type IntegrityWorkerData, type IntegrityWorkerMessage } from './integrity.js'

async function main (): Promise<IntegrityWorkerMessage> {
  const data = workerData as IntegrityWorkerData
  let db: DatabaseSync | undefined
  try {
    db = new DatabaseSync(data.dbPath, { readOnly: true })
    db.exec('PRAGMA cell_size_check = ON')
    // One read transaction: every chunk reads the same snapshot.
    db.exec('BEGIN')
    const scan = await scanIntegrity(createRecordStore(db), data.snapshot, { chunkSize: data.chunkSize, quick: data.quick, verify: 'sync' })
    return { ok: true, scan }
  } catch (err) {
    return { ok: false, error: (err as Error).message }
  } finally {
    try {
      db?.close()
    } catch {}
  }
}

const message = await main()
parentPort?.postMessage(message)
