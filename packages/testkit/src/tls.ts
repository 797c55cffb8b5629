/** Certificates for tests of real node processes, made with the operator's own issuer (operator/src/tls/pki.ts). */
import { rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import https from 'node:https'
import type { PeerCertificate } from 'node:tls'
import { createCa, issueServingCertificate, type KeyPairPem } from '../../../operator/src/tls/pki.js'

const DAY = 24 * 3600 * 1000

export async function testCa (name: string): Promise<KeyPairPem> {
  const now = Date.now()
  return await createCa({ commonName: name, notBefore: new Date(now - 60_000), notAfter: new Date(now + DAY) })
}

/** A serving certificate for 127.0.0.1 (and `localhost`) signed by `ca`. */
export async function loopbackCertificate (ca: KeyPairPem, commonName = 'lattice-node', ips: readonly string[] = ['127.0.0.1']): Promise<KeyPairPem> {
  const now = Date.now()
  return await issueServingCertificate({ ca, commonName, dnsNames: ['localhost'], ipAddresses: ips, notBefore: new Date(now - 60_000), notAfter: new Date(now + DAY) })
}

export interface TlsFilePaths { certFile: string, keyFile: string, caFile: string }

/**
 * Writes tls.crt, tls.key and ca.crt into `dir` by rename (as the kubelet swaps a Secret's files), so a
 * reader never sees half a file.
 */
export async function writeTlsFiles (dir: string, pair: KeyPairPem, caBundle: string): Promise<TlsFilePaths> {
  const paths = { certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key'), caFile: path.join(dir, 'ca.crt') }
  for (const [file, content] of [[paths.keyFile, pair.keyPem], [paths.certFile, pair.certPem], [paths.caFile, caBundle]] as const) {
    await writeFile(`${file}.tmp`, content, { mode: 0o600 })
    await rename(`${file}.tmp`, file)
  }
  return paths
}

/** The certificate a TLS server presents on a new connection (not verified). */
export async function presentedCertificate (url: string): Promise<PeerCertificate> {
  return await new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'GET', rejectUnauthorized: false, agent: false, signal: AbortSignal.timeout(5000) }, res => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate()
      res.resume()
      res.on('end', () => resolve(cert))
    })
    req.on('error', reject)
    req.end()
  })
}
