/**
 * spec.tls of a network: the CA (mode operator), each node's serving certificate (a Secret the
 * operator signs, or a cert-manager Certificate), and the trust bundle ConfigMap every node and the
 * prober verify against.
 *
 * Rotation without downtime (mode operator), timed by `tlsPropagationMs` (how long the kubelet may
 * take to refresh a mounted Secret or ConfigMap; the node re-reads its files within a second):
 *   1. a new CA replaces the old one in the CA Secret; the old certificate stays as previous.crt and
 *      the trust bundle carries both, so every node accepts certificates from either;
 *   2. after one propagation period (every node has the new bundle) the node certificates are
 *      re-issued from the new CA; the nodes reload them without a restart;
 *   3. after a second period, once the prober has seen every running node serve its new certificate
 *      (it connects afresh each time), previous.crt and the old CA leave the bundle.
 * A node certificate is also re-issued when its names change (the pod IP becomes known, or changes
 * with a new pod: the pod spec is not touched, so no restart loop) and 30 days before it expires.
 */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node'
import { ANNOTATION_ROTATE_CA, TLS_KEYS } from '../../api/constants.js'
import { resolveNetworkSpec, type ResolvedTls } from '../../api/defaults.js'
import type { LatticeNetwork, LatticeNode } from '../../api/types.js'
import { resourceKeys } from '../../../../packages/log/src/index.js'
import { caSecretName, certificateName, nodeName, nodeTlsSecretName, trustConfigMapName } from '../../builders/names.js'
import {
  buildCaSecret, buildCertificate, buildNodeTlsSecret, buildTrustConfigMap, caRotationDue, nodeDnsNames, parseCaSecret,
  reissueReason, tlsNodeOf, PREVIOUS_CA_KEY, TLS_LIFETIMES, type CertManagerCertificate, type StoredCa
} from '../../builders/tls.js'
import { certificateFacts, createCa, issueServingCertificate, signedBy } from '../../tls/pki.js'
import { refOf } from '../../kube/client.js'
import { isAlreadyExists } from '../../kube/errors.js'
import { ensureObject } from '../apply.js'
import { probeKey } from '../node/status.js'
import type { OperatorContext } from '../context.js'

export interface TlsOutcome {
  /** When the next timed step is due (rotation phases, renewals). */
  requeueAfterMs?: number
}

interface NodeTarget { node: string, dnsNames: string[], ipAddresses: string[] }

const MAX_WAIT_MS = 3600_000

/**
 * The nodes that need a certificate: every ordinal the network wants (before their LatticeNodes
 * exist, so a new pod finds its Secret) and every node it still has; the pod IP once known.
 */
function targetsOf (ctx: OperatorContext, net: LatticeNetwork, nodes: readonly LatticeNode[]): NodeTarget[] {
  const namespace = net.metadata.namespace ?? ''
  const network = net.metadata.name ?? ''
  const spec = resolveNetworkSpec(net.spec)
  const byName = new Map(nodes.filter(n => n.metadata.deletionTimestamp === undefined).map(n => [n.metadata.name ?? '', n]))
  const names = new Set([...(spec.paused ? [] : Array.from({ length: spec.replicas }, (_, i) => nodeName(network, i))), ...byName.keys()])
  return [...names].map(node => {
    const ip = byName.get(node)?.status?.podIP
    return {
      node,
      dnsNames: nodeDnsNames({ node, namespace, network, clusterDomain: ctx.config.clusterDomain }),
      ipAddresses: ip !== undefined && ip !== '' ? [ip] : []
    }
  })
}

export async function ensureTls (ctx: OperatorContext, net: LatticeNetwork, nodes: readonly LatticeNode[]): Promise<TlsOutcome> {
  const tls = resolveNetworkSpec(net.spec).tls
  if (tls.mode === 'disabled') return {}
  const targets = targetsOf(ctx, net, nodes)
  const extra = await readExtraBundle(ctx, net, tls)
  let trust: string[]
  let wait: number | undefined
  if (tls.mode === 'operator') {
    const r = await ensureOperatorIssued(ctx, net, targets)
    trust = r.trust
    wait = r.requeueAfterMs
  } else {
    trust = await ensureCertManagerIssued(ctx, net, tls, targets)
  }
  await pruneNodeTls(ctx, net, new Set(targets.map(t => t.node)))
  const desired = buildTrustConfigMap(net, [...trust, ...(extra !== undefined ? [extra] : [])])
  await ensureObject<V1ConfigMap>(ctx.client, desired, ctx.caches.configMaps.get(trustConfigMapName(net.metadata.name ?? ''), net.metadata.namespace), c => ({ data: c.data }))
  return wait !== undefined ? { requeueAfterMs: wait } : {}
}

/** The extra CA bundle of spec.tls.caBundleRef (read from the API: the caches hold only the operator's own objects). */
async function readExtraBundle (ctx: OperatorContext, net: LatticeNetwork, tls: ResolvedTls): Promise<string | undefined> {
  const ref = tls.caBundleRef
  if (ref === undefined) return undefined
  const obj = await ctx.client.get<V1ConfigMap & V1Secret>({ apiVersion: 'v1', kind: ref.kind, namespace: net.metadata.namespace ?? '', name: ref.name })
  const raw = obj?.data?.[ref.key]
  // Secret data is base64, ConfigMap data plain text
  const pem = raw !== undefined && ref.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw
  if (pem === undefined || !pem.includes('-----BEGIN CERTIFICATE-----')) {
    ctx.events.event(net, 'Warning', 'CABundleMissing', `spec.tls.caBundleRef: ${ref.kind} ${ref.name} has no PEM certificate under key ${ref.key}`)
    return undefined
  }
  return pem
}

// --- mode operator -------------------------------------------------------------------------------

async function ensureOperatorIssued (ctx: OperatorContext, net: LatticeNetwork, targets: readonly NodeTarget[]): Promise<{ trust: string[], requeueAfterMs?: number }> {
  const now = ctx.now()
  let ca = await ensureCa(ctx, net, now)
  const propagation = ctx.config.tlsPropagationMs
  const sinceIssue = now.getTime() - ca.issuedAt.getTime()
  const rotating = ca.previousCertPem !== undefined
  // step 1 → 2: until the new bundle has reached the nodes, certificates of the previous CA are still fine
  const signers = rotating && sinceIssue < propagation && ca.previousCertPem !== undefined ? [ca.current.certPem, ca.previousCertPem] : [ca.current.certPem]
  let allCurrent = true
  let nextExpiry = Number.POSITIVE_INFINITY
  for (const t of targets) {
    const pem = await ensureNodeCertificate(ctx, net, ca, t, signers, now)
    // current: signed by the new CA, and (for a running pod) served: the prober saw it on its last visit
    const ip = t.ipAddresses[0]
    const served = ip === undefined || ctx.prober.last(probeKey(net.metadata.namespace ?? '', t.node, ip))?.servedCertificate === certificateFacts(pem).fingerprint256
    if (!signedBy(pem, ca.current.certPem) || !served) allCurrent = false
    nextExpiry = Math.min(nextExpiry, certificateNotAfter(pem) - TLS_LIFETIMES.nodeRenewBeforeMs - now.getTime())
  }
  const waits: number[] = [nextExpiry, certificateNotAfter(ca.current.certPem) - TLS_LIFETIMES.caRenewBeforeMs - now.getTime()]
  const step = rotationStep({ rotating, sinceIssueMs: sinceIssue, propagationMs: propagation, allServeNewCa: allCurrent, probeIntervalMs: ctx.config.probeIntervalMs })
  if (step.kind === 'wait') waits.push(step.ms)
  if (step.kind === 'complete') {
    await ctx.client.mergePatch(refOf(buildCaSecret(net, ca)), { data: { [PREVIOUS_CA_KEY]: null } })
    ctx.events.event(net, 'Normal', 'CARotated', 'CA rotation complete: every node serves a certificate of the new CA; the previous CA left the trust bundle')
    const { previousCertPem: _dropped, ...rest } = ca
    ca = rest
  }
  return {
    trust: [ca.current.certPem, ...(ca.previousCertPem !== undefined ? [ca.previousCertPem] : [])],
    requeueAfterMs: Math.min(MAX_WAIT_MS, Math.max(100, Math.min(...waits) + 50))
  }
}

export interface RotationState {
  /** previous.crt is present: a rotation is in progress. */
  rotating: boolean
  /** Since the new CA was made. */
  sinceIssueMs: number
  propagationMs: number
  /** Every node certificate is signed by the new CA and every running node was seen serving it. */
  allServeNewCa: boolean
  probeIntervalMs: number
}

export type RotationStep = { kind: 'idle' } | { kind: 'wait', ms: number } | { kind: 'complete' }

/**
 * Where a CA rotation stands (pure): until one propagation period has passed, node certificates of
 * the old CA are still accepted (step 1); until two have passed, the nodes may still be loading the
 * new ones (step 2); then the old CA leaves once every node serves a new certificate (step 3), which
 * the prober's next visit tells.
 */
export function rotationStep (r: RotationState): RotationStep {
  if (!r.rotating) return { kind: 'idle' }
  if (r.sinceIssueMs < r.propagationMs) return { kind: 'wait', ms: r.propagationMs - r.sinceIssueMs }
  if (r.sinceIssueMs < 2 * r.propagationMs) return { kind: 'wait', ms: 2 * r.propagationMs - r.sinceIssueMs }
  if (!r.allServeNewCa) return { kind: 'wait', ms: r.probeIntervalMs }
  return { kind: 'complete' }
}

const certificateNotAfter = (pem: string): number => certificateFacts(pem).notAfter.getTime()

/** The CA: created once (confirmed with the server first), rotated when due (confirmed likewise). */
async function ensureCa (ctx: OperatorContext, net: LatticeNetwork, now: Date): Promise<StoredCa> {
  const ns = net.metadata.namespace ?? ''
  const name = caSecretName(net.metadata.name ?? '')
  const ref = { apiVersion: 'v1', kind: 'Secret', namespace: ns, name }
  const requested = net.metadata.annotations?.[ANNOTATION_ROTATE_CA]
  let stored = parseCaSecret(ctx.caches.secrets.get(name, ns))
  // The cache may lag our own writes: a CA is made or replaced only after the server confirms the need.
  if (stored === undefined || (caRotationDue(stored, requested, now) !== undefined && stored.previousCertPem === undefined)) {
    stored = parseCaSecret(await ctx.client.get<V1Secret>(ref))
  }
  if (stored === undefined) {
    const fresh: StoredCa = { current: await newCa(net, now), issuedAt: now, ...(requested !== undefined ? { rotation: requested } : {}) }
    try {
      await ctx.client.create(buildCaSecret(net, fresh))
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
      const existing = parseCaSecret(await ctx.client.get<V1Secret>(ref))
      if (existing === undefined) throw err
      return existing
    }
    ctx.events.event(net, 'Normal', 'CACreated', `created the network CA in Secret ${name} (valid until ${certificateFacts(fresh.current.certPem).notAfter.toISOString()})`)
    return fresh
  }
  const due = caRotationDue(stored, requested, now)
  // one rotation at a time: a second request waits until the previous CA has left the bundle
  if (due === undefined || stored.previousCertPem !== undefined) return stored
  const rotated: StoredCa = {
    current: await newCa(net, now),
    previousCertPem: stored.current.certPem,
    issuedAt: now,
    ...(requested !== undefined ? { rotation: requested } : {})
  }
  const desired = buildCaSecret(net, rotated)
  await ctx.client.mergePatch(ref, { metadata: { annotations: desired.metadata?.annotations }, data: desired.data })
  ctx.events.event(net, 'Normal', 'CARotating', `rotating the network CA (${due}): the trust bundle carries both CAs; node certificates follow after ${Math.round(ctx.config.tlsPropagationMs / 1000)} s`)
  ctx.logger.info('network CA rotation started', { ...resourceKeys('LatticeNetwork', ns, net.metadata.name), reason: due })
  return rotated
}

async function newCa (net: LatticeNetwork, now: Date): Promise<StoredCa['current']> {
  return await createCa({
    commonName: `lattice ${net.metadata.namespace ?? ''}/${net.metadata.name ?? ''} CA`,
    notBefore: new Date(now.getTime() - TLS_LIFETIMES.backdateMs),
    notAfter: new Date(now.getTime() + TLS_LIFETIMES.caValidityMs)
  })
}

/** The node's serving Secret, (re)issued when needed; returns the certificate in force (PEM). */
async function ensureNodeCertificate (ctx: OperatorContext, net: LatticeNetwork, ca: StoredCa, t: NodeTarget, signers: readonly string[], now: Date): Promise<string> {
  const ns = net.metadata.namespace ?? ''
  const name = nodeTlsSecretName(t.node)
  const want = { signers, dnsNames: t.dnsNames, ipAddresses: t.ipAddresses }
  let secret = ctx.caches.secrets.get(name, ns)
  let reason = reissueReason(secret, want, now)
  if (reason !== undefined && secret !== undefined) {
    // confirm with the server: the cache may not show the certificate issued a moment ago
    secret = await ctx.client.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name })
    reason = reissueReason(secret, want, now)
  }
  if (reason === undefined && secret !== undefined) return Buffer.from(secret.data?.[TLS_KEYS.cert] ?? '', 'base64').toString('utf8')
  const pair = await issueServingCertificate({
    ca: ca.current,
    commonName: t.node,
    dnsNames: t.dnsNames,
    ipAddresses: t.ipAddresses,
    notBefore: new Date(now.getTime() - TLS_LIFETIMES.backdateMs),
    notAfter: new Date(now.getTime() + TLS_LIFETIMES.nodeValidityMs)
  })
  const desired = buildNodeTlsSecret(net, t.node, pair, ca.current.certPem)
  await ensureObject<V1Secret>(ctx.client, desired, secret, s => ({ data: s.data }))
  ctx.events.event(net, 'Normal', 'CertificateIssued', `issued the serving certificate of ${t.node} (${reason ?? 'missing'}): ${[...t.dnsNames.slice(0, 1), ...t.ipAddresses].join(', ')}`)
  return pair.certPem
}

// --- mode certManager ----------------------------------------------------------------------------

/** One Certificate per node; the trust bundle is the ca.crt cert-manager writes into each Secret. */
async function ensureCertManagerIssued (ctx: OperatorContext, net: LatticeNetwork, tls: ResolvedTls, targets: readonly NodeTarget[]): Promise<string[]> {
  const ns = net.metadata.namespace ?? ''
  let listed: CertManagerCertificate[]
  try {
    listed = await ctx.client.list<CertManagerCertificate>('cert-manager.io/v1', 'Certificate', ns, `lattice.diotec360.com/network=${net.metadata.name ?? ''}`)
  } catch (err) {
    // cert-manager not installed, or the operator not allowed (chart value rbac.certManager): say so on the network
    ctx.events.event(net, 'Warning', 'CertManagerUnavailable', `spec.tls.mode certManager: cannot list cert-manager.io/v1 Certificates (${err instanceof Error ? err.message.slice(0, 200) : String(err)}); is cert-manager installed and rbac.certManager set?`)
    throw err
  }
  const existing = new Map(listed.map(c => [c.metadata?.name ?? '', c]))
  const trust: string[] = []
  for (const t of targets) {
    const desired = buildCertificate(net, t.node, tls, t.dnsNames, t.ipAddresses)
    await ensureObject<CertManagerCertificate>(ctx.client, { ...desired }, existing.get(certificateName(t.node)), c => ({ spec: c.spec }))
    const ca = ctx.caches.secrets.get(nodeTlsSecretName(t.node), ns)?.data?.[TLS_KEYS.ca]
    if (ca !== undefined) trust.push(Buffer.from(ca, 'base64').toString('utf8'))
  }
  return trust
}

/** Serving Secrets (and Certificates) of nodes the network no longer has. */
async function pruneNodeTls (ctx: OperatorContext, net: LatticeNetwork, keep: ReadonlySet<string>): Promise<void> {
  const ns = net.metadata.namespace ?? ''
  for (const s of ctx.caches.secrets.list(ns)) {
    const node = tlsNodeOf(s)
    if (node === undefined || keep.has(node) || s.metadata?.labels?.['lattice.diotec360.com/network'] !== net.metadata.name) continue
    await ctx.client.delete({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: s.metadata?.name ?? '' })
    if (resolveNetworkSpec(net.spec).tls.mode === 'certManager') await ctx.client.delete({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: ns, name: certificateName(node) })
  }
}
