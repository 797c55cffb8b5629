// spec.tls.mode certManager on a private control plane with cert-manager's real CRDs (v1.21.2, from its
// Go module: test/operator/install-cert-manager-crds.sh). cert-manager's controller cannot run here (no
// images), so this test stands in for it: it signs each Certificate the operator creates with a test CA
// and writes the Secret as cert-manager does (tls.crt, tls.key, ca.crt, secretTemplate labels).
import { waitFor } from '../../packages/testkit/src/index.js'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { V1Secret } from '@kubernetes/client-node'
import yaml from 'js-yaml'
import { useCluster } from '../cluster/harness.js'
import { request, testCa } from '../../packages/testkit/src/node/index.js'
import { certificateFacts, issueServingCertificate, type KeyPairPem } from '../../operator/src/tls/pki.js'
import { buildCertificate, nodeDnsNames, type CertManagerCertificate } from '../../operator/src/builders/tls.js'
import { resolveNetworkSpec } from '../../operator/src/api/defaults.js'
import { Api, kubectlApply, networkManifest, startOperator, waitSettled, type RunningOperator } from './helpers.js'

const NET = 'managed'
const SYNC = { mode: 'auto', heartbeatIntervalSeconds: 1, peerlessTimeoutSeconds: 4, httpPollIntervalSeconds: 1 }
const CERT_MANAGER_VERSION = 'v1.21.2'

function certManagerCrds (): string {
  const dir = path.join(process.env.LATTICE_CACHE_DIR ?? path.join(os.homedir(), '.cache/lattice'), `cert-manager-${CERT_MANAGER_VERSION}`, 'crds')
  if (!existsSync(path.join(dir, 'cert-manager.io_certificates.yaml'))) throw new Error(`cert-manager CRDs missing in ${dir}: run make test-deps (test/operator/install-cert-manager-crds.sh)`)
  return dir
}

describe('LatticeNetwork with spec.tls.mode certManager (cert-manager CRDs, test-signed Certificates)', () => {
  // cluster-scoped CRDs: a private control plane
  const cluster = useCluster({ controllerManager: true, shared: false }, 'certmgr')
  let api: Api
  let op: RunningOperator | undefined
  let ca: KeyPairPem
  let signing = true
  let signer: Promise<void> | undefined
  const issued: string[] = []

  /** What cert-manager's controller would do for each Certificate: sign it, write its Secret. */
  async function signPending (): Promise<void> {
    const list = await api.custom.listNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: cluster.namespace, plural: 'certificates' }) as { items: CertManagerCertificate[] }
    for (const c of list.items) {
      const name = c.spec.secretName
      const existing = await api.core.readNamespacedSecret({ name, namespace: cluster.namespace }).catch(() => undefined)
      const pem = existing?.data?.['tls.crt'] !== undefined ? Buffer.from(existing.data['tls.crt'], 'base64').toString() : undefined
      const facts = pem !== undefined ? certificateFacts(pem) : undefined
      const want = [...c.spec.dnsNames, ...(c.spec.ipAddresses ?? [])].sort().join(',')
      if (facts !== undefined && [...facts.dnsNames, ...facts.ipAddresses].sort().join(',') === want) continue
      const now = Date.now()
      const pair = await issueServingCertificate({ ca, commonName: c.spec.commonName, dnsNames: c.spec.dnsNames, ipAddresses: c.spec.ipAddresses ?? [], notBefore: new Date(now - 60_000), notAfter: new Date(now + 3600_000) })
      const body: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name, namespace: cluster.namespace, labels: c.spec.secretTemplate.labels, annotations: { 'cert-manager.io/certificate-name': c.metadata?.name ?? '' } },
        data: { 'tls.crt': Buffer.from(pair.certPem).toString('base64'), 'tls.key': Buffer.from(pair.keyPem).toString('base64'), 'ca.crt': Buffer.from(ca.certPem).toString('base64') }
      }
      if (existing === undefined) await api.core.createNamespacedSecret({ namespace: cluster.namespace, body })
      else await api.core.replaceNamespacedSecret({ name, namespace: cluster.namespace, body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } } })
      issued.push(`${name}: ${want}`)
    }
  }

  beforeAll(async () => {
    api = new Api(cluster)
    ca = await testCa('stand-in cert-manager issuer')
    const crds = certManagerCrds()
    const applied = await cluster.kubectl(['apply', '--server-side', '-f', crds])
    if (applied.code !== 0) throw new Error(`apply cert-manager CRDs: ${applied.stderr}`)
    const established = await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds])
    if (established.code !== 0) throw new Error(`cert-manager CRDs not established: ${established.stderr}`)
    op = await startOperator(cluster, {}, 'certmgr')
    signer = (async () => {
      while (signing) {
        await signPending().catch(() => {})
        await new Promise(resolve => setTimeout(resolve, 300))
      }
    })()
  }, 120_000)
  afterAll(async () => {
    signing = false
    await signer
    await op?.stop()
  }, 60_000)

  it('the rendered Certificate passes cert-manager\'s schema with strict field validation', async () => {
    const net = networkManifest(NET, { tls: { mode: 'certManager', issuerRef: { name: 'lattice-ca', kind: 'ClusterIssuer' } } })
    net.metadata.uid = '00000000-0000-0000-0000-000000000001'
    net.metadata.namespace = cluster.namespace
    const cert = buildCertificate(net, `${NET}-0`, resolveNetworkSpec(net.spec).tls, nodeDnsNames({ node: `${NET}-0`, namespace: cluster.namespace, network: NET, clusterDomain: 'cluster.local' }), ['127.0.0.9'])
    const { ownerReferences: _refs, ...metadata } = cert.metadata ?? {}
    const r = await cluster.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: yaml.dump({ ...cert, metadata }) })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('creates one Certificate per node; with their Secrets the network converges over HTTPS', async () => {
    await kubectlApply(cluster, networkManifest(NET, { replicas: 3, sync: SYNC, tls: { mode: 'certManager', issuerRef: { name: 'lattice-ca', kind: 'ClusterIssuer' } } }))
    await waitSettled(api, NET, 3)
    const list = await api.custom.listNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: cluster.namespace, plural: 'certificates' }) as { items: CertManagerCertificate[] }
    expect(list.items.map(c => c.metadata?.name).sort()).toEqual([`${NET}-0-tls`, `${NET}-1-tls`, `${NET}-2-tls`])
    for (const node of await api.nodes(NET)) {
      const c = list.items.find(x => x.metadata?.name === `${node.metadata.name ?? ''}-tls`)
      expect(c?.spec.issuerRef).toEqual({ name: 'lattice-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' })
      expect(c?.spec.secretName).toBe(`${node.metadata.name ?? ''}-tls`)
      // the pod IP joins the Certificate once the pod has one (cert-manager then re-issues)
      await waitFor(`${node.metadata.name ?? ''}'s Certificate names its pod IP`, async () => {
        const fresh = await api.custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: cluster.namespace, plural: 'certificates', name: `${node.metadata.name ?? ''}-tls` }) as CertManagerCertificate
        return fresh.spec.ipAddresses?.includes(node.status?.podIP ?? '-') === true
      }, { timeoutMs: 60_000, intervalMs: 500 })
    }
    // the trust bundle is the issuer's CA (ca.crt of the Secrets): a client trusting it gets through
    const trust = (await api.core.readNamespacedConfigMap({ name: `${NET}-tls-trust`, namespace: cluster.namespace })).data?.['ca.crt']
    expect(trust).toBe(ca.certPem.trim() + '\n')
    const ip = (await api.nodes(NET))[0]?.status?.podIP ?? ''
    const state = await request<{ record_count: number }>(`https://${ip}:8080/api/lattice/state`, { ca: ca.certPem })
    expect(state.status).toBe(200)
    await expect(request(`https://${ip}:8080/api/lattice/state`, { ca: (await testCa('other')).certPem })).rejects.toThrow()
    expect(issued.length).toBeGreaterThanOrEqual(6)
  }, 300_000)
})
