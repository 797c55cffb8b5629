/**
 * A damaged ledger is reported, not served: flipped bytes in a copy of the database turn the
 * persistence component unhealthy with a reason, /readyz to 503 and the data endpoints to 503.
 */
import { disposeDir, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import { spawn } from 'node:child_process'
import { DatabaseSync } from 'node:sqlite'
import { cp, open, readFile, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { NODE_MAIN, startNodeProcess, type NodeProcess } from '../../packages/testkit/src/node/index.js'

const CANARY = 'canary-7f3a'

interface Persistence { status: string, errors: string[], mode?: string, record_count?: number, verified_records?: number }
interface Health { overall: string, unhealthy_components: string[], components: { persistence: Persistence } }

async function flipBytes (file: string, from: number, count: number): Promise<void> {
  const handle = await open(file, 'r+')
  try {
    const buf = Buffer.alloc(count)
    await handle.read(buf, 0, count, from)
    for (let i = 0; i < count; i++) buf[i] ^= 0xff
    await handle.write(buf, 0, count, from)
  } finally {
    await handle.close()
  }
}

describe('integrity check', () => {
  const dirs: string[] = []
  const running: NodeProcess[] = []
  afterAll(async () => {
    await Promise.all(running.map(async n => n.kill('SIGKILL')))
    await Promise.all(dirs.map(async d => disposeDir(d)))
  })

  const damagedCopy = async (name: string, damage: (db: string) => Promise<void>): Promise<NodeProcess> => {
    const copy = path.join(dirs[0], name)
    await cp(path.join(dirs[0], 'original'), copy, { recursive: true })
    await damage(path.join(copy, 'ledger.db'))
    const node = await startNodeProcess({ dataDir: copy, token, env: { AETHEL_P2P_ENABLED: 'false' }, waitReady: false })
    running.push(node)
    return node
  }
  let token = ''

  beforeAll(async () => {
    const dir = await tempDir('integrity-')
    dirs.push(dir)
    const node = await startNodeProcess({ dataDir: path.join(dir, 'original'), env: { AETHEL_P2P_ENABLED: 'false' } })
    running.push(node)
    token = node.token
    for (let i = 0; i < 20; i++) {
      const res = await node.api('/api/lattice/records/batch', { body: { records: Array.from({ length: 100 }, (_, j) => ({ key: `k/${i}/${j}`, payload: { i, j, text: `${CANARY}-${i}-${j} ` + 'lorem ipsum '.repeat(20) } })) } })
      expect(res.status).toBe(201)
    }
    // A graceful stop checkpoints the write-ahead log into ledger.db.
    expect(await node.stop()).toBe(0)
  })

  it('reports flipped bytes inside a stored record as unhealthy with a reason and stops serving its data', async () => {
    const damaged = await damagedCopy('payload', async db => {
      const bytes = await readFile(db)
      const at = bytes.indexOf(`${CANARY}-10-50 `)
      expect(at).toBeGreaterThan(0)
      await flipBytes(db, at, 8)
    })
    const health = await waitFor('the damage to be reported', async () => {
      const res = await damaged.api<Health>('/api/lattice/health', { auth: false })
      return res.body.components.persistence.status === 'unhealthy' ? res.body : undefined
    }, { timeoutMs: 30000 })
    expect(health.overall).toBe('degraded')
    expect(health.unhealthy_components).toContain('persistence')
    expect(health.components.persistence.errors.join(' ')).toMatch(/signature|id|merkle/i)
    expect((await damaged.api('/readyz', { auth: false })).status).toBe(503)
    const state = await damaged.api<{ error: { code: string } }>('/api/lattice/state', { auth: false })
    expect(state.status).toBe(503)
    expect(state.body.error.code).toBe('integrity_check_failed')
    expect((await damaged.api('/api/lattice/records?limit=5')).status).toBe(503)
  })

  it('answers a row altered through SQL with 503, never with 200 and the altered content, before and after the verdict', async () => {
    const damaged = await damagedCopy('sql-altered', async (db) => {
      const sql = new DatabaseSync(db)
      sql.prepare("UPDATE records SET payload = '{\"forged\":true}' WHERE key = 'k/10/50'").run()
      sql.close()
    })
    await waitFor('the damaged copy to serve', async () => (await damaged.api('/healthz', { auth: false }).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 30000 })
    const answers: Array<{ status: number, forged: boolean, verdict: string }> = []
    await waitFor('the damage to be reported', async () => {
      const verdict = (await damaged.api<Health>('/api/lattice/health', { auth: false })).body.components.persistence.status
      for (const pathname of ['/api/lattice/keys/k%2F10%2F50', '/api/lattice/records?after=1000&limit=100']) {
        const res = await damaged.api(pathname)
        answers.push({ status: res.status, forged: JSON.stringify(res.body).includes('forged'), verdict })
      }
      return verdict === 'unhealthy' && answers.length >= 10
    }, { timeoutMs: 30000, intervalMs: 20 })
    process.stdout.write(`altered row: ${answers.length} reads, ${answers.filter(a => a.verdict !== 'unhealthy').length} before the verdict\n`)
    expect(answers.filter(a => a.status === 200 || a.forged)).toEqual([])
    expect(answers.every(a => a.status === 503)).toBe(true)
  })

  it('after a restart checks only what is new, still refuses an old row altered on disk, and the full check on demand finds it', async () => {
    const dataDir = path.join(dirs[0], 'incremental')
    await cp(path.join(dirs[0], 'original'), dataDir, { recursive: true })
    const persistence = async (node: NodeProcess, what: string, ok: (p: Persistence) => boolean): Promise<Persistence> => await waitFor(what, async () => {
      const p = (await node.api<Health>('/api/lattice/health', { auth: false })).body.components.persistence
      return ok(p) ? p : undefined
    }, { timeoutMs: 30000 })
    // The first start has no mark: it verifies every record and marks them.
    const first = await startNodeProcess({ dataDir, token, env: { AETHEL_P2P_ENABLED: 'false' } })
    running.push(first)
    expect(await persistence(first, 'the first start-up check', p => p.mode !== undefined)).toMatchObject({ status: 'healthy', mode: 'full', record_count: 2000, verified_records: 2000 })
    expect((await first.api('/api/lattice/records', { body: { key: 'after-mark', payload: { n: 1 } } })).status).toBe(201)
    expect(await first.stop()).toBe(0)
    const sql = new DatabaseSync(path.join(dataDir, 'ledger.db'))
    sql.prepare("UPDATE records SET payload = '{\"forged\":true}' WHERE key = 'k/3/7'").run()
    sql.close()

    const again = await startNodeProcess({ dataDir, token, env: { AETHEL_P2P_ENABLED: 'false' } })
    running.push(again)
    expect(await persistence(again, 'the start-up check', p => p.mode !== undefined)).toMatchObject({ status: 'healthy', mode: 'incremental', record_count: 2001, verified_records: 1 })
    const read = await again.api<{ error: { code: string } }>('/api/lattice/keys/k%2F3%2F7')
    expect(read.status).toBe(503)
    expect(JSON.stringify(read.body)).not.toContain('forged')
    expect((await again.api('/api/lattice/keys/k%2F3%2F8')).status).toBe(200)

    expect((await again.api('/api/lattice/integrity/check', { method: 'POST', auth: false })).status).toBe(401)
    const full = await again.api<Persistence & { signatures_ok: boolean }>('/api/lattice/integrity/check', { method: 'POST' })
    expect(full.status).toBe(200)
    expect(full.body).toMatchObject({ status: 'unhealthy', mode: 'full', signatures_ok: false, record_count: 2001, verified_records: 2001 })
    expect((await again.api('/readyz', { auth: false })).status).toBe(503)
  }, 120_000)

  it('never serves a copy with 64 bytes flipped mid-file: it reports the damage or refuses to start with a storage error', async () => {
    const damaged = await damagedCopy('midfile', async db => { await flipBytes(db, Math.floor((await stat(db)).size / 2), 64) })
    const exited = new Promise<number | null>(resolve => damaged.child.once('exit', resolve))
    const outcome = await waitFor('the damage to be reported', async () => {
      if (damaged.child.exitCode !== null) return { exit: await exited }
      const health = await damaged.api<Health>('/api/lattice/health', { auth: false })
      return health.body.components.persistence.status === 'unhealthy' ? { health: health.body } : undefined
    }, { timeoutMs: 30000 })
    if ('exit' in outcome) {
      expect(outcome.exit).not.toBe(0)
      expect(damaged.logs()).toMatch(/StorageCorruptError|malformed|corrupt/i)
    } else {
      expect(outcome.health.unhealthy_components).toContain('persistence')
      expect((await damaged.api('/readyz', { auth: false })).status).toBe(503)
    }
  })
})

describe('configuration errors', () => {
  it.each([
    ['AETHEL_SYNC_MODE', 'sometimes'],
    ['AETHEL_HEARTBEAT_INTERVAL', 'fast'],
    ['AETHEL_P2P_BOOTSTRAP', 'not-a-multiaddr']
  ])('exits with code 2 and names %s', async (name, value) => {
    const child = spawn(process.execPath, [NODE_MAIN], { env: { PATH: process.env.PATH ?? '', AETHEL_DATA_DIR: os.tmpdir(), [name]: value }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toContain(name)
  })

  it('prints usage with every variable for --help', async () => {
    const child = spawn(process.execPath, [NODE_MAIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    expect(await new Promise(resolve => child.once('exit', resolve))).toBe(0)
    for (const name of ['AETHEL_P2P_ENABLED', 'AETHEL_P2P_LISTEN', 'AETHEL_P2P_BOOTSTRAP', 'AETHEL_LATTICE_NODES', 'AETHEL_PEERS_FILE']) expect(stdout).toContain(name)
  })
})
