import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createOwnHeadMarker, readOwnHeadMarker } from './own-head-marker.js'

describe('own-head marker', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'own-head-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('writes the first own record at once, later heads throttled, all on flush; 0600', async () => {
    const file = path.join(dir, 'own-head.json')
    const errors: Error[] = []
    const marker = createOwnHeadMarker({ file, origin: 'me', minIntervalMs: 60_000, onError: (e) => errors.push(e) }, 0)
    expect(await readOwnHeadMarker(file, 'me')).toBeUndefined()
    marker.observe(1)
    marker.observe(2)
    marker.observe(7)
    const deadline = Date.now() + 5000
    while (await readOwnHeadMarker(file, 'me') === undefined && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10))
    expect(await readOwnHeadMarker(file, 'me')).toBeGreaterThanOrEqual(1)
    await marker.flush()
    expect(await readOwnHeadMarker(file, 'me')).toBe(7)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ origin: 'me', seq: 7 })
    expect(errors).toEqual([])
  })

  it('says nothing for another identity or a damaged file', async () => {
    const file = path.join(dir, 'own-head.json')
    await writeFile(file, JSON.stringify({ origin: 'other', seq: 5 }))
    expect(await readOwnHeadMarker(file, 'me')).toBeUndefined()
    await writeFile(file, '{"origin":"me","se')
    expect(await readOwnHeadMarker(file, 'me')).toBeUndefined()
  })

  it('reports a write that fails instead of throwing', async () => {
    const errors: Error[] = []
    const marker = createOwnHeadMarker({ file: path.join(dir, 'missing-dir', 'own-head.json'), origin: 'me', onError: (e) => errors.push(e) }, 0)
    marker.observe(3)
    await marker.flush()
    expect(errors.length).toBeGreaterThan(0)
  })
})
