/**
 * TLS objects of a network (spec.tls), as pure functions of their inputs:
 * - mode operator: the CA Secret `<network>-tls-ca` (kubernetes.io/tls; `previous.crt` holds the CA it
 *   replaced while a rotation is in progress), one serving Secret `<node>-tls` per node (tls.crt,
 *   tls.key, ca.crt) signed by it;
 * - mode certManager: one cert-manager Certificate per node that writes the same `<node>-tls` Secret;
 * - both: the trust ConfigMap `<network>-tls-trust` (ca.crt: every CA the nodes must trust), mounted
 *   as AETHEL_TLS_CA_FILE.
 * Lifetimes (why these figures): node certificates live 90 days and are renewed 30 days before they
 * expire (cert-manager's defaults, so both modes behave alike); the CA lives 3 years and is rotated 90
 * days before it expires, leaving a full node-certificate lifetime for the overlap.
 */
import type { KubernetesObject, V1ConfigMap, V1Secret } from '@kubernetes/client-node'
import { GROUP, TLS_KEYS } from '../api/constants.js'
import type { ResolvedTls } from '../api/defaults.js'
import type { LatticeNetwork } from '../api/types.js'
import { canonicalIp, certificateFacts, signedBy, type KeyPairPem } from '../tls/pki.js'
import { controllerRef } from './owner.js'
import { caSecretName, certificateName, headlessServiceName, networkLabels, nodeServiceName, nodeTlsSecretName, trustConfigMapName } from './names.js'

const DAY_MS = 24 * 3600 * 1000
export const TLS_LIFETIMES = {
  caValidityMs: 3 * 365 * DAY_MS,
  caRenewBeforeMs: 90 * DAY_MS,
  nodeValidityMs: 90 * DAY_MS,
  nodeRenewBeforeMs: 30 * DAY_MS,
  /** Certificates start a little in the past: clocks of the nodes may lag the operator's. */
  backdateMs: 5 * 60 * 1000
} as const

/** Key of the replaced CA certificate in the CA Secret during a rotation. */
export const PREVIOUS_CA_KEY = 'previous.crt'
/** On the CA Secret: when it was made (ISO time); rotation steps are timed from it. */
export const ANNOTATION_CA_ISSUED_AT = `${GROUP}/ca-issued-at`
/** On the CA Secret: the network's rotate-ca annotation value it answered. */
export const ANNOTATION_CA_ROTATION = `${GROUP}/ca-rotation`

export interface NodeNames {
  /** Node (and its Service and pod) name. */
  node: string
  namespace: string
  network: string
  clusterDomain: string
}

/** The DNS names a node is reached by: its Service (short, namespace, svc, FQDN) and its pod's headless name. */
export function nodeDnsNames (n: NodeNames): string[] {
  const svc = nodeServiceName(n.node)
  const headless = `${n.node}.${headlessServiceName(n.network)}.${n.namespace}.svc`
  return [svc, `${svc}.${n.namespace}`, `${svc}.${n.namespace}.svc`, `${svc}.${n.namespace}.svc.${n.clusterDomain}`, headless, `${headless}.${n.clusterDomain}`]
}

/** The host name the operator's prober verifies when it connects to a pod IP (the cert may not name the IP yet). */
export const probeServerName = (n: NodeNames): string => `${nodeServiceName(n.node)}.${n.namespace}.svc`

/** The CA as stored: the current pair, and the CA it replaced while a rotation is in progress. */
export interface StoredCa {
  current: KeyPairPem
  previousCertPem?: string
  issuedAt: Date
  rotation?: string
}

export function parseCaSecret (secret: V1Secret | undefined): StoredCa | undefined {
  const d = secret?.data
  const cert = d?.[TLS_KEYS.cert]
  const key = d?.[TLS_KEYS.key]
  if (cert === undefined || key === undefined) return undefined
  const b64 = (v: string): string => Buffer.from(v, 'base64').toString('utf8')
  const issued = secret?.metadata?.annotations?.[ANNOTATION_CA_ISSUED_AT]
  const current = { certPem: b64(cert), keyPem: b64(key) }
  const rotation = secret?.metadata?.annotations?.[ANNOTATION_CA_ROTATION]
  return {
    current,
    ...(d?.[PREVIOUS_CA_KEY] !== undefined ? { previousCertPem: b64(d[PREVIOUS_CA_KEY]) } : {}),
    issuedAt: issued !== undefined && !Number.isNaN(Date.parse(issued)) ? new Date(issued) : certificateFacts(current.certPem).notBefore,
    ...(rotation !== undefined ? { rotation } : {})
  }
}

const b64 = (s: string): string => Buffer.from(s).toString('base64')

/** A kubernetes.io/tls Secret of the network (base64 of each PEM). */
function tlsSecret (network: LatticeNetwork, name: string, labels: Record<string, string>, pems: Record<string, string>, annotations?: Record<string, string>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name,
      namespace: network.metadata.namespace,
      labels,
      ...(annotations !== undefined ? { annotations } : {}),
      ownerReferences: [controllerRef(network)]
    },
    data: Object.fromEntries(Object.entries(pems).map(([k, v]) => [k, b64(v)]))
  }
}

export function buildCaSecret (network: LatticeNetwork, ca: StoredCa): V1Secret {
  const name = network.metadata.name ?? ''
  return tlsSecret(network, caSecretName(name), networkLabels(name, 'tls-ca'), {
    [TLS_KEYS.cert]: ca.current.certPem,
    [TLS_KEYS.key]: ca.current.keyPem,
    ...(ca.previousCertPem !== undefined ? { [PREVIOUS_CA_KEY]: ca.previousCertPem } : {})
  }, {
    [ANNOTATION_CA_ISSUED_AT]: ca.issuedAt.toISOString(),
    ...(ca.rotation !== undefined ? { [ANNOTATION_CA_ROTATION]: ca.rotation } : {})
  })
}

/** Labels of per-node TLS objects: network-level (the network controller owns them), naming the node. */
function nodeTlsLabels (network: string, node: string): Record<string, string> {
  // No LABEL_NODE: a change to these objects must wake the network controller, which issues them.
  return { ...networkLabels(network, 'tls'), [`${GROUP}/tls-node`]: node }
}

export function buildNodeTlsSecret (network: LatticeNetwork, node: string, pair: KeyPairPem, caCertPem: string): V1Secret {
  return tlsSecret(network, nodeTlsSecretName(node), nodeTlsLabels(network.metadata.name ?? '', node), { [TLS_KEYS.cert]: pair.certPem, [TLS_KEYS.key]: pair.keyPem, [TLS_KEYS.ca]: caCertPem })
}

export type ReissueReason = 'missing' | 'signer' | 'names' | 'expiring' | 'unreadable'

/**
 * Why a node's serving Secret must be (re)issued, or undefined when it is fine. `signers` are the CA
 * certificates it may be signed by (the current one; also the previous one while the rotation waits
 * for the new bundle to reach every node).
 */
export function reissueReason (secret: V1Secret | undefined, want: { signers: readonly string[], dnsNames: readonly string[], ipAddresses: readonly string[] }, now: Date): ReissueReason | undefined {
  const pem = secret?.data?.[TLS_KEYS.cert]
  if (pem === undefined || secret?.data?.[TLS_KEYS.key] === undefined) return 'missing'
  const certPem = Buffer.from(pem, 'base64').toString('utf8')
  let facts
  try { facts = certificateFacts(certPem) } catch { return 'unreadable' }
  if (!want.signers.some(ca => signedBy(certPem, ca))) return 'signer'
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i])
  if (!same(facts.dnsNames, want.dnsNames) || !same(facts.ipAddresses, want.ipAddresses.map(canonicalIp))) return 'names'
  if (facts.notAfter.getTime() - now.getTime() < TLS_LIFETIMES.nodeRenewBeforeMs) return 'expiring'
  return undefined
}

/** Whether the CA must be replaced now: near its end, or a new rotate-ca annotation value. */
export function caRotationDue (ca: StoredCa, requested: string | undefined, now: Date): 'expiring' | 'requested' | undefined {
  if (requested !== undefined && requested !== '' && requested !== ca.rotation) return 'requested'
  if (certificateFacts(ca.current.certPem).notAfter.getTime() - now.getTime() < TLS_LIFETIMES.caRenewBeforeMs) return 'expiring'
  return undefined
}

/** The trust ConfigMap: every CA the nodes accept, de-duplicated, in order. */
export function buildTrustConfigMap (network: LatticeNetwork, pems: readonly string[]): V1ConfigMap {
  const name = network.metadata.name ?? ''
  const unique = [...new Set(pems.map(p => p.trim()).filter(p => p !== ''))]
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: trustConfigMapName(name),
      namespace: network.metadata.namespace,
      labels: networkLabels(name, 'tls-trust'),
      ownerReferences: [controllerRef(network)]
    },
    data: { [TLS_KEYS.ca]: unique.map(p => p + '\n').join('') }
  }
}

/** cert-manager.io/v1 Certificate (unstructured: the operator does not depend on cert-manager's types). */
export interface CertManagerCertificate extends KubernetesObject {
  apiVersion: 'cert-manager.io/v1'
  kind: 'Certificate'
  spec: {
    secretName: string
    secretTemplate: { labels: Record<string, string> }
    issuerRef: { name: string, kind: string, group: string }
    commonName: string
    dnsNames: string[]
    ipAddresses?: string[]
    duration: string
    renewBefore: string
    usages: string[]
    privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' }
  }
}

export function buildCertificate (network: LatticeNetwork, node: string, tls: ResolvedTls, dnsNames: readonly string[], ipAddresses: readonly string[]): CertManagerCertificate {
  const name = network.metadata.name ?? ''
  const issuer = tls.issuerRef ?? { name: '', kind: 'Issuer', group: 'cert-manager.io' }
  const hours = (ms: number): string => `${ms / 3600_000}h`
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: {
      name: certificateName(node),
      namespace: network.metadata.namespace,
      labels: nodeTlsLabels(name, node),
      ownerReferences: [controllerRef(network)]
    },
    spec: {
      secretName: nodeTlsSecretName(node),
      // the operator's informers see only objects with its labels: cert-manager copies these onto the Secret
      secretTemplate: { labels: nodeTlsLabels(name, node) },
      issuerRef: { name: issuer.name, kind: issuer.kind, group: issuer.group },
      commonName: node,
      dnsNames: [...dnsNames],
      ...(ipAddresses.length > 0 ? { ipAddresses: [...ipAddresses] } : {}),
      duration: hours(TLS_LIFETIMES.nodeValidityMs),
      renewBefore: hours(TLS_LIFETIMES.nodeRenewBeforeMs),
      usages: ['server auth', 'digital signature'],
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' }
    }
  }
}

/** The node a per-node TLS object belongs to (its tls-node label). */
export const tlsNodeOf = (o: KubernetesObject): string | undefined => o.metadata?.labels?.[`${GROUP}/tls-node`]

