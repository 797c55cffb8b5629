/**
 * HTTPS on real node processes: serving with the configured certificate, reloading a rotated
 * certificate and CA bundle without a restart or a refused request, and refusing (counting, logging)
 * a lattice node whose certificate comes from another CA.
 */
import { disposeDir, metricValue, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { loopbackCertificate, presentedCertificate, request, startLattice, startNodeProcess, testCa, writeTlsFiles, type Lattice, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { certificateFacts } from '../../operator/src/tls/pki.js'

interface State { merkle_root: string, record_count: number }

describe('node HTTPS', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

  async function testDir (prefix: string): Promise<string> {
    const dir = await tempDir(prefix)
    cleanups.push(async () => await disposeDir(dir))
    return dir
  }

  it('serves HTTPS with its certificate and swaps a rotated certificate without dropping a request', async () => {
    const dir = await testDir('tls-serve-')
    const ca = await testCa('lattice-test-ca')
    const first = await loopbackCertificate(ca)
    const files = await writeTlsFiles(dir, first, ca.certPem)
    const node: NodeProcess = await startNodeProcess({ dataDir: path.join(dir, 'data'), env: { AETHEL_P2P_ENABLED: 'false' }, tls: { ...files, ca: Buffer.from(ca.certPem) } })
    cleanups.push(async () => await node.kill('SIGKILL'))
    expect(node.url.startsWith('https://')).toBe(true)

    // trusted CA: answers; no CA: the TLS handshake fails; plain HTTP on the port: no answer either
    expect((await node.api<State>('/api/lattice/state', { auth: false })).status).toBe(200)
    await expect(fetch(`${node.url}/api/lattice/state`)).rejects.toThrow()
    const other = await testCa('another-ca')
    await expect(request(`${node.url}/api/lattice/state`, { ca: other.certPem })).rejects.toThrow(/certificate/i)
    expect((await presentedCertificate(node.url)).fingerprint256).toBe(certificateFacts(first.certPem).fingerprint256)

    // Requests keep flowing while the files are replaced by rename, as the kubelet does
    let writes = 0
    let failures = 0
    let writing = true
    const writer = (async () => {
      while (writing) {
        const res = await node.api('/api/lattice/records', { body: { key: `k${writes}`, payload: writes } }).catch(() => ({ status: 0 }))
        if (res.status === 201) writes++
        else failures++
      }
    })()
    const second = await loopbackCertificate(ca)
    await writeTlsFiles(dir, second, ca.certPem)
    const want = certificateFacts(second.certPem).fingerprint256
    await waitFor('the rotated certificate on new connections', async () => (await presentedCertificate(node.url)).fingerprint256 === want, { timeoutMs: 20_000 })
    const afterSwap = writes
    await waitFor('writes after the swap', () => writes >= afterSwap + 5, { timeoutMs: 20_000 })
    writing = false
    await writer

    expect(failures).toBe(0)
    const state = await node.api<State>('/api/lattice/state', { auth: false })
    expect(state.body.record_count).toBe(writes)
    expect(node.child.exitCode).toBeNull()
    const metrics = (await node.api<string>('/metrics', { auth: false })).body
    expect(metricValue(metrics, 'lattice_tls_reloads_total', { files: 'serving', result: 'ok' })).toBeGreaterThanOrEqual(1)
    expect(metricValue(metrics, 'lattice_tls_certificate_expiry_timestamp_seconds')).toBe(Math.floor(certificateFacts(second.certPem).notAfter.getTime() / 1000))
    expect(node.logs()).toContain('TLS certificate reloaded')
  }, 120_000)

  it('refuses a lattice node whose certificate is from another CA (counted, logged with its URL) and syncs with the others', async () => {
    const dir = await testDir('tls-foreign-')
    const ca = await testCa('network-ca')
    const foreignCa = await testCa('foreign-ca')
    // node 2 belongs to another CA: it presents a certificate from it and trusts only it (the server
    // side does not check client certificates: the bearer token does; TLS checks the server)
    const tlsFor = async (i: number): Promise<Awaited<ReturnType<typeof writeTlsFiles>>> => {
      const d = path.join(dir, `tls-${i}`)
      await mkdir(d, { recursive: true })
      const own = i === 2 ? foreignCa : ca
      return await writeTlsFiles(d, await loopbackCertificate(own), own.certPem)
    }
    const files = await Promise.all([0, 1, 2].map(tlsFor))
    const lattice: Lattice = await startLattice(3, {
      // HTTP sync only: the exchange under test
      env: { AETHEL_SYNC_MODE: 'http', AETHEL_HTTP_POLL_INTERVAL: '1', AETHEL_P2P_ENABLED: 'false' },
      tls: i => ({ ...files[i], ca: Buffer.from(i === 2 ? foreignCa.certPem : ca.certPem) })
    })
    cleanups.push(async () => await lattice.destroy())
    const [a, b, foreign] = lattice.nodes

    const fromA = await a.api<{ id: string }>('/api/lattice/records', { body: { key: 'a', payload: 1 } })
    const fromForeign = await foreign.api<{ id: string }>('/api/lattice/records', { body: { key: 'foreign', payload: 2 } })
    expect(fromA.status).toBe(201)
    expect(fromForeign.status).toBe(201)

    // a and b sync with each other over https...
    await waitFor('a\'s record on b over https', async () => (await b.api<State>('/api/lattice/state', { auth: false })).body.record_count >= 1, { timeoutMs: 30_000 })
    // ...and refuse the foreign node's certificate: counted with the reason, logged with its URL
    await waitFor('refusals counted on a', async () => metricValue((await a.api<string>('/metrics', { auth: false })).body, 'lattice_http_sync_tls_rejected_total', { reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }) >= 2, { timeoutMs: 30_000 })
    await waitFor('refusal logged on a with the URL', () => a.logs().includes('lattice node certificate refused') && a.logs().includes(foreign.url), { timeoutMs: 10_000 })
    const warn = a.logs().split('\n').find(l => l.includes('lattice node certificate refused'))
    expect(JSON.parse(warn ?? '{}')).toMatchObject({ level: 'warn', url: foreign.url, reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })

    // the foreign node's record never arrives, neither pulled by a/b nor pushed by the foreign node
    // (its own client refuses the network's certificates, since it trusts only the foreign CA)
    for (const n of [a, b]) {
      const got = await n.api(`/api/lattice/records/${fromForeign.body.id}`)
      expect(got.status).toBe(404)
    }
    expect((await foreign.api<State>('/api/lattice/state', { auth: false })).body.record_count).toBe(1)
    expect(metricValue((await b.api<string>('/metrics', { auth: false })).body, 'lattice_http_sync_tls_rejected_total', { reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })).toBeGreaterThanOrEqual(1)
  }, 180_000)

  it('reloads a changed CA bundle: a node with a certificate from a newly trusted CA is accepted without a restart', async () => {
    const dir = await testDir('tls-bundle-')
    const oldCa = await testCa('old-ca')
    const newCa = await testCa('new-ca')
    const dirs = [path.join(dir, 'tls-0'), path.join(dir, 'tls-1')]
    for (const d of dirs) await mkdir(d, { recursive: true })
    // node 1 already has a certificate from the new CA and trusts only it (so it cannot push to node 0
    // either); node 0 trusts only the old CA at first
    const files = [
      await writeTlsFiles(dirs[0], await loopbackCertificate(oldCa), oldCa.certPem),
      await writeTlsFiles(dirs[1], await loopbackCertificate(newCa), newCa.certPem)
    ]
    const lattice = await startLattice(2, {
      env: { AETHEL_SYNC_MODE: 'http', AETHEL_HTTP_POLL_INTERVAL: '1', AETHEL_P2P_ENABLED: 'false' },
      tls: i => ({ ...files[i], ca: Buffer.from(i === 0 ? oldCa.certPem : newCa.certPem) })
    })
    cleanups.push(async () => await lattice.destroy())
    const [n0, n1] = lattice.nodes
    await n1.api('/api/lattice/records', { body: { key: 'from-1', payload: 1 } })
    await waitFor('node 1 refused while the new CA is not trusted', async () => metricValue((await n0.api<string>('/metrics', { auth: false })).body, 'lattice_http_sync_tls_rejected_total', { reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }) >= 1, { timeoutMs: 30_000 })
    const pid = n0.child.pid

    // the operator's rotation step: the bundle gains the new CA; node 0 picks it up on its own
    await writeTlsFiles(dirs[0], await loopbackCertificate(oldCa), oldCa.certPem + newCa.certPem)
    await waitFor("node 1's record on node 0 after the bundle reload", async () => (await n0.api<State>('/api/lattice/state', { auth: false })).body.record_count === 1, { timeoutMs: 30_000 })
    expect(n0.child.pid).toBe(pid)
    expect(n0.child.exitCode).toBeNull()
    expect(n0.logs()).toContain('TLS CA bundle reloaded')
  }, 180_000)
})
