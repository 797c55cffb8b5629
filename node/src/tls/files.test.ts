import { registryValue } from '../../../packages/testkit/src/index.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { createSilentLogger } from '../../../packages/log/src/index.js'
import { createTlsFiles, pemBlocks } from './files.js'
import { certificateRejection } from './verify.js'
import { TlsFileError } from './errors.js'
import { loopbackCertificate, testCa } from '../../../packages/testkit/src/tls.js'


describe('TLS files', () => {
  const dirs: string[] = []
  afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }) })

  async function material (): Promise<{ dir: string, ca: string, cert: string, key: string, otherKey: string }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tls-files-'))
    dirs.push(dir)
    const ca = await testCa('ca')
    const leaf = await loopbackCertificate(ca, 'n')
    const other = await loopbackCertificate(ca, 'o')
    return { dir, ca: ca.certPem, cert: leaf.certPem, key: leaf.keyPem, otherKey: other.keyPem }
  }

  it('refuses to start on a key that does not match the certificate, naming the files', async () => {
    const m = await material()
    await writeFile(path.join(m.dir, 'c'), m.cert)
    await writeFile(path.join(m.dir, 'k'), m.otherKey)
    const files = createTlsFiles({ certFile: path.join(m.dir, 'c'), keyFile: path.join(m.dir, 'k') }, { logger: createSilentLogger(), registry: new Registry() })
    const err = await files.start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TlsFileError)
    expect((err as Error).message).toMatch(/c \+ .*k/)
  })

  it('keeps the pair in force when a reload finds a mismatched pair, and takes a valid one', async () => {
    const m = await material()
    const c = path.join(m.dir, 'c')
    const k = path.join(m.dir, 'k')
    const ca = path.join(m.dir, 'ca')
    await writeFile(c, m.cert)
    await writeFile(k, m.key)
    await writeFile(ca, m.ca)
    const registry = new Registry()
    const files = createTlsFiles({ certFile: c, keyFile: k, caFile: ca, pollIntervalMs: 60_000 }, { logger: createSilentLogger(), registry })
    await files.start()
    const seen: string[] = []
    files.on('serving', () => seen.push('serving'))
    await writeFile(k, m.otherKey)
    await files.reload()
    expect(files.serving()?.key.toString()).toBe(m.key)
    await writeFile(ca, 'not a certificate')
    await files.reload()
    expect(files.trust()?.toString()).toBe(m.ca)
    expect(await registryValue(registry, 'lattice_tls_reloads_total', { files: 'serving', result: 'error' })).toBe(1)
    await writeFile(k, m.key)
    await files.reload()
    expect(seen).toEqual(['serving'])
    await files.stop()
  })

  it('splits bundles into certificates and recognises refused peer certificates', () => {
    expect(pemBlocks('x-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE----------BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----')).toHaveLength(2)
    const tlsErr = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })
    expect(certificateRejection(new Error('wrapped', { cause: tlsErr }))).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    expect(certificateRejection(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined()
  })
})
