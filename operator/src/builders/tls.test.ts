import { describe, expect, it } from '@jest/globals'
import { latticeNetwork, withSpec } from '../../../packages/testkit/src/fixtures/index.js'
import { resolveNetworkSpec } from '../api/defaults.js'
import type { LatticeNetworkSpec } from '../api/types.js'
import { createCa, issueServingCertificate, certificateFacts, signedBy, type KeyPairPem } from '../tls/pki.js'
import { buildLatticeNode } from './lattice-node.js'
import { buildPod } from './pod.js'
import { addressingFor, buildPeersFile } from './peers.js'
import {
  buildCaSecret, buildCertificate, buildNodeTlsSecret, buildTrustConfigMap, caRotationDue, nodeDnsNames, parseCaSecret,
  reissueReason, TLS_LIFETIMES
} from './tls.js'

const DAY = 24 * 3600_000
const now = new Date('2026-06-01T00:00:00Z')
const names = { node: 'ledger-0', namespace: 'lattice-test', network: 'ledger', clusterDomain: 'cluster.local' }

async function ca (notAfter = new Date(now.getTime() + TLS_LIFETIMES.caValidityMs)): Promise<KeyPairPem> {
  return await createCa({ commonName: 'test CA', notBefore: new Date(now.getTime() - 60_000), notAfter })
}

async function leaf (signer: KeyPairPem, dnsNames: string[], ips: string[], notAfter = new Date(now.getTime() + TLS_LIFETIMES.nodeValidityMs)): Promise<KeyPairPem> {
  return await issueServingCertificate({ ca: signer, commonName: 'ledger-0', dnsNames, ipAddresses: ips, notBefore: new Date(now.getTime() - 60_000), notAfter })
}

/** A Secret's data with PEM bodies replaced by their kind, so snapshots do not hold random keys. */
function redacted (data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, (Buffer.from(v, 'base64').toString().match(/-----BEGIN ([A-Z ]+)-----/)?.[1] ?? '?') + ' PEM']))
}

describe('TLS builders', () => {
  it('names every Service DNS form of a node and its headless pod name', () => {
    expect(nodeDnsNames(names)).toEqual([
      'ledger-0', 'ledger-0.lattice-test', 'ledger-0.lattice-test.svc', 'ledger-0.lattice-test.svc.cluster.local',
      'ledger-0.ledger-headless.lattice-test.svc', 'ledger-0.ledger-headless.lattice-test.svc.cluster.local'
    ])
  })

  it('issues node certificates that the CA signed, for the names and IPs asked, as a kubernetes.io/tls Secret', async () => {
    const c = await ca()
    const pair = await leaf(c, nodeDnsNames(names), ['127.0.0.5'])
    const facts = certificateFacts(pair.certPem)
    expect(facts.dnsNames).toEqual(nodeDnsNames(names))
    expect(facts.ipAddresses).toEqual(['127.0.0.5'])
    expect(signedBy(pair.certPem, c.certPem)).toBe(true)
    expect(signedBy(pair.certPem, (await ca()).certPem)).toBe(false)
    const secret = buildNodeTlsSecret(latticeNetwork(), 'ledger-0', pair, c.certPem)
    expect({ ...secret, data: redacted(secret.data) }).toMatchSnapshot()
  })

  it('re-issues a node certificate when it is missing, from another CA, for other names, or near its end', async () => {
    const c = await ca()
    const dns = nodeDnsNames(names)
    const secretOf = (p: KeyPairPem): ReturnType<typeof buildNodeTlsSecret> => buildNodeTlsSecret(latticeNetwork(), 'ledger-0', p, c.certPem)
    const want = { signers: [c.certPem], dnsNames: dns, ipAddresses: ['127.0.0.5'] }
    expect(reissueReason(undefined, want, now)).toBe('missing')
    expect(reissueReason(secretOf(await leaf(c, dns, ['127.0.0.5'])), want, now)).toBeUndefined()
    expect(reissueReason(secretOf(await leaf(await ca(), dns, ['127.0.0.5'])), want, now)).toBe('signer')
    // the pod IP became known (or changed): new names, same CA
    expect(reissueReason(secretOf(await leaf(c, dns, [])), want, now)).toBe('names')
    expect(reissueReason(secretOf(await leaf(c, dns, ['127.0.0.9'])), want, now)).toBe('names')
    // IPv6: the certificate spells the address differently from the pod; still the same address
    expect(reissueReason(secretOf(await leaf(c, dns, ['fd00::5'])), { ...want, ipAddresses: ['fd00::5'] }, now)).toBeUndefined()
    expect(reissueReason(secretOf(await leaf(c, dns, ['127.0.0.5'], new Date(now.getTime() + 29 * DAY))), want, now)).toBe('expiring')
    expect(reissueReason(secretOf(await leaf(c, dns, ['127.0.0.5'], new Date(now.getTime() + 31 * DAY))), want, now)).toBeUndefined()
  })

  it('rotates the CA 90 days before its end or on a new rotate-ca value, and round-trips it through its Secret', async () => {
    const c = await ca()
    const net = latticeNetwork()
    const stored = parseCaSecret(buildCaSecret(net, { current: c, issuedAt: now, rotation: 'r1' }))
    expect(stored?.current).toEqual(c)
    expect(stored?.issuedAt.toISOString()).toBe(now.toISOString())
    expect(stored?.previousCertPem).toBeUndefined()
    if (stored === undefined) throw new Error('unparsed')
    expect(caRotationDue(stored, 'r1', now)).toBeUndefined()
    expect(caRotationDue(stored, undefined, now)).toBeUndefined()
    expect(caRotationDue(stored, 'r2', now)).toBe('requested')
    expect(caRotationDue(stored, 'r1', new Date(now.getTime() + TLS_LIFETIMES.caValidityMs - 91 * DAY))).toBeUndefined()
    expect(caRotationDue(stored, 'r1', new Date(now.getTime() + TLS_LIFETIMES.caValidityMs - 89 * DAY))).toBe('expiring')

    const next = await ca()
    const rotating = buildCaSecret(net, { current: next, previousCertPem: c.certPem, issuedAt: now, rotation: 'r2' })
    expect(parseCaSecret(rotating)?.previousCertPem).toBe(c.certPem)
    expect({ ...rotating, data: redacted(rotating.data) }).toMatchSnapshot()
  })

  it('makes one trust bundle of the CAs and the extra bundle, without duplicates', async () => {
    const a = (await ca()).certPem
    const b = (await ca()).certPem
    const cm = buildTrustConfigMap(latticeNetwork(), [a, b, a, ''])
    expect(cm.data?.['ca.crt']).toBe(a.trim() + '\n' + b.trim() + '\n')
    expect(cm.metadata?.name).toBe('ledger-tls-trust')
  })

  it('renders a cert-manager Certificate per node (snapshot)', () => {
    const net = latticeNetwork(withSpec({ tls: { mode: 'certManager', issuerRef: { name: 'lattice-ca', kind: 'ClusterIssuer' } } }))
    expect(buildCertificate(net, 'ledger-0', resolveNetworkSpec(net.spec).tls, nodeDnsNames(names), ['10.0.0.7'])).toMatchSnapshot()
  })

  it('gives TLS nodes https URLs, HTTPS probes and the certificate volumes; leaves others untouched', () => {
    const peers = { bootstrap: [], lattice_nodes: [], members: [] }
    const nodeOf = (spec: Partial<LatticeNetworkSpec>): ReturnType<typeof buildLatticeNode> => {
      const n = buildLatticeNode(latticeNetwork(withSpec(spec)), 0)
      n.metadata.uid = 'aaaaaaaa-0000-0000-0000-000000000000'
      return n
    }
    const secure = buildPod(nodeOf({ tls: { mode: 'operator' } }), peers)
    const plain = buildPod(nodeOf({}), peers)
    const c = secure.spec?.containers[0]
    expect(c?.readinessProbe?.httpGet?.scheme).toBe('HTTPS')
    expect(c?.livenessProbe?.httpGet?.scheme).toBe('HTTPS')
    expect(plain.spec?.containers[0]?.readinessProbe?.httpGet?.scheme).toBeUndefined()
    expect(Object.fromEntries((c?.env ?? []).filter(e => e.name.startsWith('AETHEL_TLS')).map(e => [e.name, e.value]))).toEqual({
      AETHEL_TLS_CERT_FILE: '/etc/lattice/tls/tls.crt',
      AETHEL_TLS_KEY_FILE: '/etc/lattice/tls/tls.key',
      AETHEL_TLS_CA_FILE: '/etc/lattice/tls-trust/ca.crt'
    })
    expect(secure.spec?.volumes?.filter(v => v.name.startsWith('tls'))).toEqual([
      { name: 'tls', secret: { secretName: 'ledger-0-tls', defaultMode: 0o400, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] } },
      { name: 'tls-trust', configMap: { name: 'ledger-tls-trust', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }
    ])
    expect(plain.spec?.volumes?.some(v => v.name.startsWith('tls'))).toBe(false)

    const net = latticeNetwork(withSpec({ tls: { mode: 'operator' } }))
    const file = buildPeersFile([{ name: 'ledger-0', peerId: 'P0' }], [], addressingFor(net, { clusterDomain: 'cluster.local', addressMode: 'dns' }))
    expect(file.lattice_nodes).toEqual(['https://ledger-0.lattice-test.svc.cluster.local:8080'])
  })
})
