import { describe, expect, it } from '@jest/globals'
import type { V1ConfigMap } from '@kubernetes/client-node'
import { createTestOperator, type TestOperator } from '../../../../packages/testkit/src/operator/context.js'
import { latticeNetwork, withReplicas, withTls } from '../../../../packages/testkit/src/fixtures/network.js'
import { latticeNode, withNodeStatus } from '../../../../packages/testkit/src/fixtures/node.js'
import type { LatticeNetwork } from '../../api/types.js'
import { certificateFacts } from '../../tls/pki.js'
import { ensureTls, rotationStep, type RotationState } from './tls.js'

const base: RotationState = { rotating: true, sinceIssueMs: 0, propagationMs: 120_000, allServeNewCa: false, probeIntervalMs: 5000 }

describe('CA rotation steps', () => {
  it('does nothing without a rotation in progress', () => {
    expect(rotationStep({ ...base, rotating: false, allServeNewCa: true, sinceIssueMs: 1e9 })).toEqual({ kind: 'idle' })
  })

  it('waits one propagation period with both CAs trusted, then a second one for the new certificates to load', () => {
    expect(rotationStep({ ...base, sinceIssueMs: 0 })).toEqual({ kind: 'wait', ms: 120_000 })
    expect(rotationStep({ ...base, sinceIssueMs: 119_000, allServeNewCa: true })).toEqual({ kind: 'wait', ms: 1000 })
    // the node certificates are new by now, but the nodes may still be loading them
    expect(rotationStep({ ...base, sinceIssueMs: 120_000, allServeNewCa: true })).toEqual({ kind: 'wait', ms: 120_000 })
    expect(rotationStep({ ...base, sinceIssueMs: 239_999, allServeNewCa: true })).toEqual({ kind: 'wait', ms: 1 })
  })

  it('drops the old CA only once every node is seen serving a certificate of the new one, however long that takes', () => {
    expect(rotationStep({ ...base, sinceIssueMs: 240_000, allServeNewCa: false })).toEqual({ kind: 'wait', ms: 5000 })
    expect(rotationStep({ ...base, sinceIssueMs: 86_400_000, allServeNewCa: false })).toEqual({ kind: 'wait', ms: 5000 })
    expect(rotationStep({ ...base, sinceIssueMs: 240_000, allServeNewCa: true })).toEqual({ kind: 'complete' })
  })
})

describe('TLS issuance (spec.tls.mode operator)', () => {
  const secrets = ['ledger-tls-ca', 'ledger-0-tls', 'ledger-1-tls', 'ledger-2-tls']

  it('makes the CA once (confirmed with the server first), a certificate per wanted node before the nodes exist, and the trust bundle; then writes nothing', async () => {
    const t = createTestOperator()
    const net = latticeNetwork(withTls('operator'))
    t.cluster.put(net)
    await ensureTls(t.ctx, net, [])
    expect(t.cluster.writeLog()).toEqual([...secrets.map(s => `create Secret lattice-test/${s}`), 'create ConfigMap lattice-test/ledger-tls-trust'])
    expect(t.cluster.reads).toEqual([{ verb: 'get', kind: 'Secret', namespace: 'lattice-test', name: 'ledger-tls-ca' }])
    expect(t.events.map(e => e.reason)).toEqual(['CACreated', 'CertificateIssued', 'CertificateIssued', 'CertificateIssued'])
    const trust = t.cluster.get<V1ConfigMap>('ConfigMap', 'lattice-test', 'ledger-tls-trust')?.data?.['ca.crt'] ?? ''
    expect(certificateFacts(trust).subject).toContain('lattice lattice-test/ledger CA')
    t.cluster.clearRecords()
    await ensureTls(t.ctx, net, [])
    expect(t.cluster.writes).toEqual([])
  })

  /** A network whose CA and certificates are issued, records cleared. */
  async function issued (net: LatticeNetwork): Promise<TestOperator> {
    const t = createTestOperator()
    t.cluster.put(net)
    await ensureTls(t.ctx, net, [])
    t.cluster.clearRecords()
    t.events.length = 0
    return t
  }

  it('re-issues only the certificate of a node whose pod IP became known (no pod restart: a Secret patch)', async () => {
    const net = latticeNetwork(withTls('operator'))
    const t = await issued(net)
    const nodes = [0, 1, 2].map(i => latticeNode(net, i, withNodeStatus(i === 1 ? { podIP: '10.2.0.11' } : {})))
    await ensureTls(t.ctx, net, nodes)
    expect(t.cluster.writeLog()).toEqual(['patch Secret lattice-test/ledger-1-tls'])
    expect(t.events.map(e => e.message)).toEqual([expect.stringContaining('ledger-1 (names)')])
  })

  it('scaling down removes the serving Secrets of the nodes the network no longer has', async () => {
    const t = await issued(latticeNetwork(withTls('operator')))
    const smaller = latticeNetwork(withTls('operator'), withReplicas(2))
    await ensureTls(t.ctx, smaller, [])
    expect(t.cluster.writeLog()).toEqual(['delete Secret lattice-test/ledger-2-tls'])
  })

  it('disabled (the default): no TLS objects at all', async () => {
    const t = createTestOperator()
    const net = latticeNetwork()
    t.cluster.put(net)
    expect(await ensureTls(t.ctx, net, [])).toEqual({})
    expect(t.cluster.writes).toEqual([])
    expect(t.cluster.reads).toEqual([])
  })
})
