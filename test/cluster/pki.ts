import { execFile } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { CommandFailedError } from './errors.js'

const execFileP = promisify(execFile)

/** File paths of the generated PKI (PEM). */
export interface Pki {
  dir: string
  caCert: string
  caKey: string
  serverCert: string
  /** The local kubelet's serving certificate (127.0.0.1), for `kubectl logs` through the API server. */
  kubeletCert: string
  kubeletKey: string
  serverKey: string
  /** Client certificates by user: admin (system:masters), kube-controller-manager, kube-scheduler. */
  clients: Record<ClientName, { cert: string, key: string }>
  /** Service-account token signing key pair. */
  serviceAccountKey: string
  serviceAccountPub: string
}

export type ClientName = 'admin' | 'kube-controller-manager' | 'kube-scheduler' | 'apiserver-kubelet-client'

const CLIENT_SUBJECTS: Record<ClientName, string> = {
  admin: '/O=system:masters/CN=lattice-admin',
  'kube-controller-manager': '/CN=system:kube-controller-manager',
  'kube-scheduler': '/CN=system:kube-scheduler',
  // The API server's identity towards kubelets (logs); the local kubelet only checks the CA.
  'apiserver-kubelet-client': '/O=system:masters/CN=kube-apiserver-kubelet-client'
}

async function openssl (args: string[]): Promise<void> {
  try {
    await execFileP('openssl', args)
  } catch (err) {
    const e = err as { code?: number, stderr?: string }
    throw new CommandFailedError(['openssl', ...args], e.code ?? null, e.stderr ?? String(err))
  }
}

/** An openssl config whose only x509 extensions are the ones given (no default CA:TRUE on leaves). */
function extConfig (file: string, ext: string[]): string {
  fs.writeFileSync(file, ['[req]', 'distinguished_name = dn', 'x509_extensions = ext', 'prompt = no', '[dn]', '[ext]', ...ext, ''].join('\n'))
  return file
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** What a leaf certificate is for: its subject, extended key usage and (servers) subject alternative names. */
export interface LeafCertificateInit {
  /** File base name in the PKI dir: <name>.crt, <name>.key. */
  name: string
  /** OpenSSL subject, e.g. `/O=system:nodes/CN=system:node:x`. */
  subject: string
  usage: 'serverAuth' | 'clientAuth'
  /** e.g. `IP:10.1.0.1`, `DNS:localhost`. */
  sans?: string[]
}

/** Issues a leaf certificate (EC P-256, one year) signed by the PKI's CA; returns its files. */
export async function issueCertificate (pki: Pick<Pki, 'dir' | 'caCert' | 'caKey'>, leaf: LeafCertificateInit): Promise<{ cert: string, key: string }> {
  const p = (f: string): string => path.join(pki.dir, f)
  const ext = ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', `extendedKeyUsage = ${leaf.usage}`, 'authorityKeyIdentifier = keyid']
  if (leaf.sans != null) ext.push(`subjectAltName = ${leaf.sans.join(',')}`)
  await openssl(['req', '-x509', '-new', ...EC_KEY, '-keyout', p(`${leaf.name}.key`), '-out', p(`${leaf.name}.crt`), '-days', '365', '-subj', leaf.subject,
    '-CA', pki.caCert, '-CAkey', pki.caKey, '-config', extConfig(p(`${leaf.name}.cnf`), ext)])
  return { cert: p(`${leaf.name}.crt`), key: p(`${leaf.name}.key`) }
}

/**
 * Generates a CA (EC P-256), an API server serving certificate for loopback, the in-cluster
 * service names and `extraIps` (an address pods reach it on), client certificates for the admin
 * and the controllers, and an RSA service-account key pair. Uses the openssl CLI (Node has no
 * X.509 writer). About 20 ms.
 */
export async function generatePki (dir: string, serviceIp = '10.0.0.1', extraIps: string[] = []): Promise<Pki> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const p = (f: string): string => path.join(dir, f)

  await openssl(['req', '-x509', '-new', ...EC_KEY, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '3650', '-subj', '/CN=lattice-local-ca',
    '-config', extConfig(p('ca.cnf'), ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign,digitalSignature', 'subjectKeyIdentifier = hash'])])

  const sans = ['DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local', 'IP:127.0.0.1', `IP:${serviceIp}`, ...extraIps.map(ip => `IP:${ip}`)]
  const ca = { dir, caCert: p('ca.crt'), caKey: p('ca.key') }
  const leaf = async (name: string, subject: string, usage: LeafCertificateInit['usage'], san?: string[]): Promise<void> => {
    await issueCertificate(ca, { name, subject, usage, sans: san })
  }
  await Promise.all([
    leaf('apiserver', '/CN=kube-apiserver', 'serverAuth', sans),
    leaf('kubelet', '/CN=system:node:local-kubelet', 'serverAuth', ['IP:127.0.0.1', 'DNS:localhost']),
    ...Object.entries(CLIENT_SUBJECTS).map(async ([name, subj]) => { await leaf(name, subj, 'clientAuth') })
  ])

  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  fs.writeFileSync(p('sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  fs.writeFileSync(p('sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }))

  const clients = {} as Pki['clients']
  for (const name of Object.keys(CLIENT_SUBJECTS) as ClientName[]) clients[name] = { cert: p(`${name}.crt`), key: p(`${name}.key`) }
  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    kubeletCert: p('kubelet.crt'),
    kubeletKey: p('kubelet.key'),
    serverKey: p('apiserver.key'),
    clients,
    serviceAccountKey: p('sa.key'),
    serviceAccountPub: p('sa.pub')
  }
}

/** A kubeconfig (YAML is a superset of JSON, so JSON is written) for a client certificate user. */
export function writeKubeconfig (file: string, server: string, caCert: string, client: { cert: string, key: string }, user = 'lattice-admin'): string {
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lattice-local', cluster: { server, 'certificate-authority': caCert } }],
    users: [{ name: user, user: { 'client-certificate': client.cert, 'client-key': client.key } }],
    contexts: [{ name: 'lattice-local', context: { cluster: 'lattice-local', user } }],
    'current-context': 'lattice-local'
  }
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 })
  return file
}
