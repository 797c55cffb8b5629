import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { IdentityError, loadOrCreateIdentity } from './index.js'

describe('loadOrCreateIdentity', () => {
  const dirs: string[] = []
  const tempDir = async (): Promise<string> => { const d = await mkdtemp(path.join(os.tmpdir(), 'identity-')); dirs.push(d); return d }
  afterAll(async () => { await Promise.all(dirs.map(async d => rm(d, { recursive: true, force: true }))) })

  it('creates a 0600 Ed25519 key once and loads the same peer ID afterwards', async () => {
    const file = path.join(await tempDir(), 'nested', 'identity.key')
    const first = await loadOrCreateIdentity(file)
    expect(first.created).toBe(true)
    expect(first.peerId).toMatch(/^12D3KooW/)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const second = await loadOrCreateIdentity(file)
    expect(second.created).toBe(false)
    expect(second.peerId).toBe(first.peerId)
  })

  it('refuses a file that is not a protobuf key', async () => {
    const file = path.join(await tempDir(), 'identity.key')
    await writeFile(file, 'not a key')
    await expect(loadOrCreateIdentity(file)).rejects.toBeInstanceOf(IdentityError)
  })
})
