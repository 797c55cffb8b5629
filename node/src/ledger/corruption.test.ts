import { describe, expect, it } from '@jest/globals'
import { copyFileSync, openSync, readSync, statSync, writeSync, closeSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Registry } from 'prom-client'
import winston from 'winston'
import { Writable } from 'node:stream'
import { createSilentLogger } from '../../../packages/log/src/index.js'
import { StorageCorruptError } from '../storage/errors.js'
import { createLedger } from './ledger.js'
import { useLedgerFixture, metricValue } from './ledger.fixture.js'
import type { Ledger } from './interface.js'

const fx = useLedgerFixture()

describe('corruption', () => {
  async function populated (name: string, n: number): Promise<string> {
    const l = await fx.ledgerFor(fx.nodes[0], name)
    for (let i = 0; i < n; i += 500) await l.append(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ key: `k${(i + j) % 50}`, payload: { i: i + j, text: 'lorem ipsum '.repeat(8) } })))
    await fx.close(l)
    return join(fx.dir, name)
  }

  it('a copy with bytes flipped in the middle of the file opens unhealthy or fails with StorageCorruptError', async () => {
    const path = await populated('orig.db', 3000)
    expect(existsSync(path + '-wal') ? statSync(path + '-wal').size : 0).toBe(0)
    const copy = join(fx.dir, 'flipped.db')
    copyFileSync(path, copy)
    const size = statSync(copy).size
    expect(size).toBeGreaterThan(200_000)
    const fd = openSync(copy, 'r+')
    const at = Math.floor(size / 2 / 4096) * 4096 + 100
    const buf = Buffer.alloc(3000)
    readSync(fd, buf, 0, buf.length, at)
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i] ^ 0x5a
    writeSync(fd, buf, 0, buf.length, at)
    closeSync(fd)

    let ledger: Ledger | undefined
    let openError: unknown
    try {
      ledger = await createLedger({ dbPath: copy, integrityCheckOnOpen: false }, { privateKey: fx.nodes[0].key, isMember: () => true, logger: createSilentLogger() })
    } catch (err) {
      openError = err
    }
    if (ledger !== undefined) {
      fx.adopt(ledger)
      const report = await ledger.integrityCheck()
      expect(report.status).toBe('unhealthy')
      expect(report.errors.length).toBeGreaterThan(0)
      expect(ledger.lastIntegrity()?.status).toBe('unhealthy')
    } else {
      expect(openError).toBeInstanceOf(StorageCorruptError)
      expect((openError as StorageCorruptError).path).toBe(copy)
    }
  })

  it('never serves a row altered on disk before the integrity check has covered it', async () => {
    const path = await populated('orig-reads.db', 300)
    const copy = join(fx.dir, 'altered-reads.db')
    copyFileSync(path, copy)
    const db = new DatabaseSync(copy)
    const victim = db.prepare('SELECT id, origin, seq FROM records WHERE lsn = 123').get() as { id: string, origin: string, seq: number }
    db.prepare('UPDATE records SET payload = ? WHERE lsn = 123').run('{"forged":true}')
    db.close()
    const l = await createLedger({ dbPath: copy, integrityCheckOnOpen: false }, { privateKey: fx.nodes[0].key, isMember: () => true, logger: createSilentLogger() })
    fx.adopt(l)
    // No check has run: every path that would serve the altered row refuses it.
    expect(l.lastIntegrity()).toBeUndefined()
    expect(() => l.get(victim.id)).toThrow(StorageCorruptError)
    expect(() => l.get(victim.id)).toThrow(/lsn 123/)
    expect(() => l.list({ after: 100, limit: 50 })).toThrow(StorageCorruptError)
    expect(() => l.listByOrigin(victim.origin, victim.seq, victim.seq, 1)).toThrow(StorageCorruptError)
    expect(() => l.missingFor({}, 1000)).toThrow(StorageCorruptError)
    // Untouched rows are served.
    expect(l.list({ after: 0, limit: 100 })).toHaveLength(100)
    expect(l.get(l.list({ after: 200, limit: 1 })[0].id)?.lsn).toBe(201)
    // The check reports it; reads keep refusing it.
    expect((await l.integrityCheck()).status).toBe('unhealthy')
    expect(() => l.get(victim.id)).toThrow(StorageCorruptError)
  })

  it.each([
    ['in a worker thread', true],
    ['in-process', false]
  ])('a payload altered through SQL is caught by the id/signature check (%s)', async (_mode, inWorker) => {
    const path = await populated('orig2.db', 2000)
    const copy = join(fx.dir, 'altered.db')
    copyFileSync(path, copy)
    const db = new DatabaseSync(copy)
    db.prepare('UPDATE records SET payload = ? WHERE lsn = 1234').run('{"i":1234,"text":"forged"}')
    db.close()
    const registry = new Registry()
    const logged: string[] = []
    const logger = winston.createLogger({ transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _enc, cb) => { logged.push(chunk.toString()); cb() } }) })] })
    const l = await createLedger({ dbPath: copy, integrityCheckOnOpen: false, integrityInWorker: inWorker, integrityChunkSize: 300 }, { privateKey: fx.nodes[0].key, isMember: () => true, logger, registry })
    fx.adopt(l)
    // Ids are untouched, so the Merkle root still matches: only the per-record check sees it.
    const report = await l.integrityCheck()
    expect(report.status).toBe('unhealthy')
    expect(report.sqlite_ok).toBe(true)
    expect(report.merkle_ok).toBe(true)
    expect(report.signatures_ok).toBe(false)
    expect(report.record_count).toBe(2000)
    expect(report.errors.join('\n')).toContain('lsn 1234')
    expect(await metricValue(registry, 'lattice_ledger_integrity_ok')).toBe(0)
    // The worker really ran: no fallback to the in-process scan.
    expect(logged.join('')).not.toContain('integrity worker unavailable')

    // An id changed through SQL breaks the Merkle comparison as well, already at open.
    const copy2 = join(fx.dir, 'altered2.db')
    copyFileSync(path, copy2)
    const db2 = new DatabaseSync(copy2)
    db2.prepare('UPDATE records SET id = ? WHERE lsn = 7').run('f'.repeat(64))
    db2.close()
    const l2 = await fx.ledgerFor(fx.nodes[0], 'altered2.db', { init: { integrityInWorker: inWorker } })
    expect(l2.lastIntegrity()?.status).toBe('unhealthy')
    const r2 = await l2.integrityCheck()
    expect(r2.merkle_ok).toBe(false)
    expect(r2.status).toBe('unhealthy')

    // An id that is not even hex: the open reports it instead of failing on it.
    const copy3 = join(fx.dir, 'altered3.db')
    copyFileSync(path, copy3)
    const db3 = new DatabaseSync(copy3)
    db3.prepare('UPDATE records SET id = ? WHERE lsn = 9').run('not an id')
    db3.close()
    const l3 = await fx.ledgerFor(fx.nodes[0], 'altered3.db', { init: { integrityInWorker: inWorker } })
    expect(l3.lastIntegrity()?.errors.join('\n')).toContain('lsn 9')
    const r3 = await l3.integrityCheck()
    expect(r3.status).toBe('unhealthy')
    expect(r3.errors.join('\n')).toContain('lsn 9')
  })

  it.each([
    ['in a worker thread', true],
    ['in-process', false]
  ])('the node keeps serving while an integrity check runs (%s)', async (_mode, inWorker) => {
    const l = await fx.ledgerFor(fx.nodes[0], 'busy.db', { init: { integrityInWorker: inWorker, integrityChunkSize: 500 } })
    for (let i = 0; i < 6; i++) await l.append(Array.from({ length: 1000 }, (_, j) => ({ key: `k${j}`, payload: { i, j } })))
    let checkDone = false
    const check = l.integrityCheck().then((r) => { checkDone = true; return r })
    const written = await l.append([{ key: 'during', payload: 'the check' }])
    expect(checkDone).toBe(false)
    expect(written[0].seq).toBe(6001)
    const report = await check
    expect(report.status).toBe('healthy')
    // The check covers what was committed when it started.
    expect(report.record_count).toBe(6000)
    expect((await l.integrityCheck()).record_count).toBe(6001)
  })

  it('a file that is not a database fails with StorageCorruptError', async () => {
    const path = join(fx.dir, 'garbage.db')
    const fd = openSync(path, 'w')
    writeSync(fd, Buffer.alloc(8192, 0x42))
    closeSync(fd)
    await expect(createLedger({ dbPath: path }, { privateKey: fx.nodes[0].key, isMember: () => true, logger: createSilentLogger() })).rejects.toBeInstanceOf(StorageCorruptError)
  })
})
