import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { writeOciArchive } from './oci-image.js'

describe('writeOciArchive', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-oci-test-'))
  afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }) })

  it('writes an OCI layout whose blobs match their digests and whose index names the image', async () => {
    const rootfs = path.join(dir, 'rootfs')
    fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true })
    fs.writeFileSync(path.join(rootfs, 'bin', 'hello'), '#!/bin/sh\necho hi\n', { mode: 0o755 })
    const archive = await writeOciArchive({ reference: 'docker.io/library/t:1', rootfs, entrypoint: ['/bin/hello'], user: '65532' }, path.join(dir, 'img.tar'))
    const out = path.join(dir, 'out')
    fs.mkdirSync(out)
    execFileSync('tar', ['-C', out, '-xf', archive])
    const blob = (digest: string): Buffer => fs.readFileSync(path.join(out, 'blobs', 'sha256', digest.replace('sha256:', '')))
    const index = JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8'))
    expect(index.manifests[0].annotations['io.containerd.image.name']).toBe('docker.io/library/t:1')
    const manifest = JSON.parse(blob(index.manifests[0].digest).toString())
    for (const d of [index.manifests[0].digest, manifest.config.digest, manifest.layers[0].digest]) {
      expect(`sha256:${crypto.createHash('sha256').update(blob(d)).digest('hex')}`).toBe(d)
    }
    const config = JSON.parse(blob(manifest.config.digest).toString())
    expect(config.config).toMatchObject({ Entrypoint: ['/bin/hello'], User: '65532' })
    expect(config.rootfs.diff_ids).toEqual([manifest.layers[0].digest])
    const listing = execFileSync('tar', ['-tvf', path.join(out, 'blobs', 'sha256', manifest.layers[0].digest.replace('sha256:', ''))]).toString()
    expect(listing).toMatch(/-rwxr-xr-x 0\/0 .* \.\/bin\/hello/)
  })
})
