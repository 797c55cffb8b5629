/**
 * A damaged ledger is reported, not served: flipped bytes in a copy of the database turn the
 * persistence component unhealthy with a reason, /readyz to 503 and the data endpoints to 503.
 */
import { spawn } from 'node:child_process'
import { cp, mkdtemp, open, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { NODE_MAIN, startNodeProcess, waitFor, type NodeProcess } from '../support/index.js'

interface Health { overall: string, unhealthy_components: string[], components: { persistence: { status: string, errors: string[] } } }

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
    await Promise.all(dirs.map(async d => rm(d, { recursive: true, force: true })))
  })

  it('reports a corrupted database copy as unhealthy with a reason and stops serving its data', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'integrity-'))
    dirs.push(dir)
    const original = path.join(dir, 'original')
    const node = await startNodeProcess({ dataDir: original, env: { AETHEL_P2P_ENABLED: 'false' } })
    running.push(node)
    for (let i = 0; i < 20; i++) {
      const res = await node.api('/api/lattice/records/batch', { body: { records: Array.from({ length: 100 }, (_, j) => ({ key: `k/${i}/${j}`, payload: { i, j, text: 'lorem ipsum '.repeat(20) } })) } })
      expect(res.status).toBe(201)
    }
    expect(await node.stop()).toBe(0)

    const copy = path.join(dir, 'copy')
    await cp(original, copy, { recursive: true })
    const db = path.join(copy, 'ledger.db')
    const size = (await stat(db)).size
    expect(size).toBeGreaterThan(100_000)
    await flipBytes(db, Math.floor(size / 2), 64)

    const damaged = await startNodeProcess({ dataDir: copy, token: node.token, env: { AETHEL_P2P_ENABLED: 'false' }, waitReady: false })
    running.push(damaged)
    const exited = new Promise<number | null>(resolve => damaged.child.once('exit', resolve))
    // Either the node refuses to start with a named storage error, or it starts and reports the damage.
    const outcome = await waitFor(async () => {
      if (damaged.child.exitCode !== null) return { exit: await exited }
      try {
        const health = await damaged.api<Health>('/api/lattice/health', { auth: false })
        return health.body.components.persistence.status === 'unhealthy' ? { health: health.body } : undefined
      } catch { return undefined }
    }, { timeoutMs: 30000, message: () => `the damage to be reported; output:\n${damaged.logs()}` })

    if ('exit' in outcome) {
      expect(outcome.exit).not.toBe(0)
      expect(damaged.logs()).toMatch(/Storage|corrupt|malformed/i)
      return
    }
    expect(outcome.health.overall).toBe('degraded')
    expect(outcome.health.unhealthy_components).toContain('persistence')
    expect(outcome.health.components.persistence.errors.join(' ').length).toBeGreaterThan(0)
    expect((await damaged.api('/readyz', { auth: false })).status).toBe(503)
    const state = await damaged.api<{ error: { code: string } }>('/api/lattice/state', { auth: false })
    expect(state.status).toBe(503)
    expect(state.body.error.code).toBe('integrity_check_failed')
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
