/**
 * X.509 issuance for the operator's per-network CA: ECDSA P-256 keys through WebCrypto, certificates
 * through @peculiar/x509. Randomness and the clock come in as arguments' values (notBefore), so the
 * callers decide when; reading certificates back uses node:crypto's X509Certificate.
 */
import 'reflect-metadata' // @peculiar/x509's dependency injection (tsyringe) needs the Reflect polyfill
import { X509Certificate, randomBytes } from 'node:crypto'
import * as x509 from '@peculiar/x509'

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const

/** A certificate and its private key, PEM. */
export interface KeyPairPem {
  certPem: string
  keyPem: string
}

export interface CaRequest {
  commonName: string
  notBefore: Date
  notAfter: Date
}

export interface ServingRequest {
  ca: KeyPairPem
  commonName: string
  dnsNames: readonly string[]
  ipAddresses: readonly string[]
  notBefore: Date
  notAfter: Date
}

/** 16 random bytes, top bit clear: a positive serial as RFC 5280 asks (at most 20 octets). */
function serialNumber (): string {
  const b = randomBytes(16)
  b[0] &= 0x7f
  return b.toString('hex')
}

async function newKeys (): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
}

/** PEM with a final newline, so that bundles made by concatenation stay parseable. */
const pemLine = (pem: string): string => pem.endsWith('\n') ? pem : pem + '\n'

async function keyPem (key: CryptoKey): Promise<string> {
  return pemLine(x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY'))
}

async function importKey (pem: string): Promise<CryptoKey> {
  return await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), ALGORITHM, false, ['sign'])
}

/** A self-signed CA that may sign leaf certificates only (path length 0). */
export async function createCa (req: CaRequest): Promise<KeyPairPem> {
  const keys = await newKeys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${req.commonName}`,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
    ]
  })
  return { certPem: pemLine(cert.toString('pem')), keyPem: await keyPem(keys.privateKey) }
}

/** A TLS server certificate signed by `req.ca` for the given DNS names and IP addresses. */
export async function issueServingCertificate (req: ServingRequest): Promise<KeyPairPem> {
  const caCert = new x509.X509Certificate(req.ca.certPem)
  const keys = await newKeys()
  const names: x509.JsonGeneralName[] = [
    ...req.dnsNames.map(value => ({ type: 'dns' as const, value })),
    ...req.ipAddresses.map(value => ({ type: 'ip' as const, value }))
  ]
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${req.commonName}`,
    issuer: caCert.subject,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    publicKey: keys.publicKey,
    signingKey: await importKey(req.ca.keyPem),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
    ]
  })
  return { certPem: pemLine(cert.toString('pem')), keyPem: await keyPem(keys.privateKey) }
}

/** What the operator reads back from a certificate (node:crypto's parser). */
export interface CertificateFacts {
  subject: string
  issuer: string
  notBefore: Date
  notAfter: Date
  dnsNames: string[]
  ipAddresses: string[]
  fingerprint256: string
}

/** One spelling per address: OpenSSL prints IPv6 SANs expanded and upper-case (FD00:0:0:0:0:0:0:1), pods say fd00::1. */
export function canonicalIp (ip: string): string {
  return ip.includes(':') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip
}

export function certificateFacts (pem: string): CertificateFacts {
  const c = new X509Certificate(pem)
  const sans = (c.subjectAltName ?? '').split(', ').filter(s => s !== '')
  return {
    subject: c.subject,
    issuer: c.issuer,
    notBefore: new Date(c.validFrom),
    notAfter: new Date(c.validTo),
    dnsNames: sans.filter(s => s.startsWith('DNS:')).map(s => s.slice(4)),
    ipAddresses: sans.filter(s => s.startsWith('IP Address:')).map(s => canonicalIp(s.slice(11))),
    fingerprint256: c.fingerprint256
  }
}

/** Whether `leafPem` was signed by the CA certificate `caPem`. */
export function signedBy (leafPem: string, caPem: string): boolean {
  try {
    const leaf = new X509Certificate(leafPem)
    const ca = new X509Certificate(caPem)
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey)
  } catch {
    return false
  }
}
