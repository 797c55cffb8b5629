/**
 * Acknowledged writes survive SIGKILL: a 201 means the record is on disk (synchronous=FULL, group
 * commit), so a crash right after it loses nothing, and the restarted node has the same Merkle root
 * and passes its integrity check.
 */
import { disposeDir, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import { afterEach, describe, expect, it } from '@jest/globals'
import { startNodeProcess, type NodeProcess } from '../../packages/testkit/src/node/index.js'

interface Rec { id: string, origin: string, seq: number, ts: number, key: string, payload: unknown, sig: string }
interface State { merkle_root: string, record_count: number, version_vector: Record<string, number> }
interface Health { overall: string, components: { persistence: { status: string, errors?: string[], signatures_ok?: boolean } } }

const SINGLE = { AETHEL_P2P_ENABLED: 'false' }

describe('durability of acknowledged writes', () => {
  const dirs: string[] = []
  const running: NodeProcess[] = []
  const freshDir = async (): Promise<string> => { const d = await tempDir('durability-'); dirs.push(d); return d }
  const start = async (dataDir: string, token?: string): Promise<NodeProcess> => {
    const node = await startNodeProcess({ dataDir, token, env: SINGLE })
    running.push(node)
    return node
  }
  afterEach(async () => {
    await Promise.all(running.splice(0).map(async n => n.kill('SIGKILL')))
    await Promise.all(dirs.splice(0).map(disposeDir))
  })

  it('keeps a record, its Merkle root and a passing integrity check across SIGKILL and restart', async () => {
    const node = await start(await freshDir())
    const written = await node.api<Rec>('/api/lattice/records', { body: { key: 'acct/alice', payload: { balance: 42, note: 'first' } } })
    expect(written.status).toBe(201)
    expect(written.body.id).toMatch(/^[0-9a-f]{64}$/)
    const before = (await node.api<State>('/api/lattice/state')).body
    expect(before.record_count).toBe(1)

    expect(await node.kill('SIGKILL')).toBeNull()
    const again = await start(node.dataDir, node.token)
    expect(again.peerId).toBe(node.peerId)

    const read = await again.api<Rec>(`/api/lattice/records/${written.body.id}`)
    expect(read.status).toBe(200)
    expect(read.body).toEqual(written.body)
    const after = (await again.api<State>('/api/lattice/state')).body
    expect(after.merkle_root).toBe(before.merkle_root)
    expect(after.version_vector).toEqual({ [node.peerId]: 1 })
    const health = await waitFor('the integrity check to pass after restart', async () => {
      const h = (await again.api<Health>('/api/lattice/health')).body
      return h.components.persistence.status === 'healthy' && h.components.persistence.signatures_ok === true ? h : undefined
    })
    expect(health.overall).toBe('healthy')
  })

  it('finds every acknowledged record after SIGKILL during a stream of concurrent writes', async () => {
    const node = await start(await freshDir())
    const acknowledged: Rec[] = []
    let stop = false
    let failures = 0
    // 16 writers; the process is killed while they run. Every 201 received must survive.
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await node.api<Rec>('/api/lattice/records', { body: { key: `w${w}/${i}`, payload: { w, i, pad: 'x'.repeat(512) } } })
          if (res.status === 201) acknowledged.push(res.body)
          else failures++
        } catch {
          return // connection refused/reset once the process is gone
        }
      }
    }
    const writers = Array.from({ length: 16 }, async (_, w) => writer(w))
    await waitFor('some acknowledged writes', () => acknowledged.length >= 400, { timeoutMs: 60000 })
    await node.kill('SIGKILL')
    stop = true
    await Promise.all(writers)
    expect(failures).toBe(0)

    const again = await start(node.dataDir, node.token)
    const state = (await again.api<State>('/api/lattice/state')).body
    expect(state.record_count).toBeGreaterThanOrEqual(acknowledged.length)
    const missing: string[] = []
    for (const rec of acknowledged) {
      const res = await again.api<Rec>(`/api/lattice/records/${rec.id}`)
      if (res.status !== 200 || res.body.sig !== rec.sig) missing.push(rec.id)
    }
    expect(missing).toEqual([])
    // seq numbers stay contiguous: the version vector counts every stored record of this origin.
    expect(state.version_vector[node.peerId]).toBe(state.record_count)
  })

  it('answers in-flight writes before exiting on SIGTERM, and they are all there after restart', async () => {
    const node = await start(await freshDir())
    const inflight = Array.from({ length: 64 }, async (_, i) => node.api<Rec>('/api/lattice/records', { body: { key: `t/${i}`, payload: i } }).catch(() => undefined))
    const code = await node.stop()
    expect(code).toBe(0)
    const answered = (await Promise.all(inflight)).filter(res => res?.status === 201).map(res => res!.body)
    const again = await start(node.dataDir, node.token)
    for (const rec of answered) {
      expect((await again.api<Rec>(`/api/lattice/records/${rec.id}`)).status).toBe(200)
    }
    expect((await again.api<State>('/api/lattice/state')).body.record_count).toBeGreaterThanOrEqual(answered.length)
  })
})
