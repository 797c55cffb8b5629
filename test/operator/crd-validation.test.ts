// The CRDs against the real kube-apiserver: defaults applied, bad specs refused with a clear
// message (OpenAPI validation and CEL rules), printer columns served.
import { describe, expect, it } from '@jest/globals'
import yaml from 'js-yaml'
import { useCluster } from '../cluster/harness.js'

const PEER = '12D3KooWSrKnMZUcSxK8G7wmBbXdU8nFEfWGhLu6H8xjn8LmCSJb'

function network (name: string, spec: Record<string, unknown>): string {
  return yaml.dump({ apiVersion: 'lattice.diotec360.com/v1alpha1', kind: 'LatticeNetwork', metadata: { name }, spec: { image: 'lattice-node:0.1.0', ...spec } })
}

describe('LatticeNetwork / LatticeNode CRDs on a real API server', () => {
  const cluster = useCluster({ kubelet: false }, 'crd')

  it('accepts a minimal network and applies every default', async () => {
    const r = await cluster.kubectl(['-n', cluster.namespace, 'apply', '-f', '-'], { input: network('minimal', {}) })
    expect(r.stderr).toBe('')
    const got = await cluster.kubectl(['-n', cluster.namespace, 'get', 'lnet', 'minimal', '-o', 'json'])
    const obj = JSON.parse(got.stdout) as { spec: Record<string, unknown> }
    expect(obj.spec).toEqual({
      image: 'lattice-node:0.1.0',
      replicas: 3,
      imagePullPolicy: 'IfNotPresent',
      logLevel: 'info',
      paused: false,
      sync: { mode: 'auto', heartbeatIntervalSeconds: 5, peerlessTimeoutSeconds: 60, httpPollIntervalSeconds: 10, topic: 'aethel/lattice/v1' },
      ports: { p2p: 9000, http: 8080 },
      storage: { size: '1Gi', reclaimPolicy: 'Retain' },
      service: { type: 'ClusterIP' },
      tls: { mode: 'disabled' },
      rollout: { progressDeadlineSeconds: 600 },
      networkPolicy: { enabled: true }
    })
    const table = await cluster.kubectl(['-n', cluster.namespace, 'get', 'lattice'])
    expect(table.stdout).toMatch(/NAME\s+READY\s+PEERS\s+MODE\s+ROOT\s+AGE/)
    expect(table.stdout).toContain('latticenetwork.lattice.diotec360.com/minimal')
  })

  it('accepts external peers with valid multiaddrs and URLs', async () => {
    const r = await cluster.kubectl(['-n', cluster.namespace, 'apply', '-f', '-'], { input: network('ext', { externalPeers: [{ name: 'backup', multiaddr: `/dns4/backup.example.com/tcp/9000/p2p/${PEER}`, url: 'https://backup.example.com' }] }) })
    expect(r.code).toBe(0)
  })

  it.each([
    ['replicas 0', { replicas: 0 }, /spec\.replicas: Invalid value: 0: spec\.replicas in body should be greater than or equal to 1/],
    ['negative replicas', { replicas: -2 }, /spec\.replicas.*greater than or equal to 1/],
    ['unknown sync mode', { sync: { mode: 'pigeon' } }, /spec\.sync\.mode: Unsupported value: "pigeon": supported values: "p2p", "http", "auto"/],
    ['bad multiaddr', { externalPeers: [{ name: 'x', multiaddr: '/ip4/1.2.3.4/tcp/9000' }] }, /spec\.externalPeers\[0\]\.multiaddr.*should match/],
    ['url without scheme', { externalPeers: [{ name: 'x', multiaddr: `/ip4/1.2.3.4/tcp/9000/p2p/${PEER}`, url: 'backup.example.com' }] }, /spec\.externalPeers\[0\]\.url.*should match/],
    ['duplicate external peer names', { externalPeers: [{ name: 'x', multiaddr: `/ip4/1.2.3.4/tcp/9000/p2p/${PEER}` }, { name: 'x', multiaddr: `/ip4/1.2.3.5/tcp/9000/p2p/${PEER}` }] }, /externalPeers names must be unique/],
    ['peerless timeout not above heartbeat', { sync: { heartbeatIntervalSeconds: 10, peerlessTimeoutSeconds: 10 } }, /sync\.peerlessTimeoutSeconds must be greater than sync\.heartbeatIntervalSeconds/],
    ['same port for p2p and http', { ports: { p2p: 8080, http: 8080 } }, /ports\.p2p and ports\.http must differ/],
    ['unknown reclaim policy', { storage: { reclaimPolicy: 'Recycle' } }, /spec\.storage\.reclaimPolicy: Unsupported value: "Recycle"/],
    ['unknown tls mode', { tls: { mode: 'letsencrypt' } }, /spec\.tls\.mode: Unsupported value: "letsencrypt": supported values: "operator", "certManager", "disabled"/],
    ['certManager without issuerRef', { tls: { mode: 'certManager' } }, /tls\.issuerRef is required when tls\.mode is certManager/],
    ['issuerRef with mode operator', { tls: { mode: 'operator', issuerRef: { name: 'ca' } } }, /tls\.issuerRef is only used when tls\.mode is certManager/],
    ['unknown issuer kind', { tls: { mode: 'certManager', issuerRef: { name: 'ca', kind: 'Vault' } } }, /spec\.tls\.issuerRef\.kind: Unsupported value: "Vault"/],
    ['caBundleRef without TLS', { tls: { caBundleRef: { name: 'extra-ca' } } }, /tls\.caBundleRef needs tls\.mode operator or certManager/]
  ])('refuses %s with a clear message', async (_name, spec, message) => {
    const r = await cluster.kubectl(['-n', cluster.namespace, 'apply', '-f', '-'], { input: network('bad', spec) })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(message)
  })

  it('defaults spec.tls: issuer kind and group, bundle kind and key', async () => {
    const r = await cluster.kubectl(['-n', cluster.namespace, 'apply', '-f', '-'], { input: network('tls', { tls: { mode: 'certManager', issuerRef: { name: 'lattice-ca' }, caBundleRef: { name: 'partner-ca' } } }) })
    expect(r.stderr).toBe('')
    const got = JSON.parse((await cluster.kubectl(['-n', cluster.namespace, 'get', 'lnet', 'tls', '-o', 'json'])).stdout) as { spec: { tls: unknown } }
    expect(got.spec.tls).toEqual({ mode: 'certManager', issuerRef: { name: 'lattice-ca', kind: 'Issuer', group: 'cert-manager.io' }, caBundleRef: { name: 'partner-ca', kind: 'ConfigMap', key: 'ca.crt' } })
    const explain = await cluster.kubectl(['explain', 'lnet.spec.tls.mode'])
    expect(explain.stdout).toMatch(/operator is recommended/)
  })

  it('refuses a network without image and a LatticeNode whose networkName changes', async () => {
    const noImage = yaml.dump({ apiVersion: 'lattice.diotec360.com/v1alpha1', kind: 'LatticeNetwork', metadata: { name: 'noimage' }, spec: { replicas: 1 } })
    const r = await cluster.kubectl(['-n', cluster.namespace, 'apply', '-f', '-'], { input: noImage })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/spec\.image: Required value/)
    const node = (networkName: string): string => yaml.dump({ apiVersion: 'lattice.diotec360.com/v1alpha1', kind: 'LatticeNode', metadata: { name: 'solo-0' }, spec: { networkName, image: 'lattice-node:0.1.0' } })
    expect((await cluster.kubectl(['-n', cluster.namespace, 'apply', '-f', '-'], { input: node('solo') })).code).toBe(0)
    const changed = await cluster.kubectl(['-n', cluster.namespace, 'apply', '-f', '-'], { input: node('other') })
    expect(changed.code).not.toBe(0)
    expect(changed.stderr).toMatch(/networkName is immutable/)
    const nodes = await cluster.kubectl(['-n', cluster.namespace, 'get', 'lnode'])
    expect(nodes.stdout).toMatch(/NAME\s+NETWORK\s+READY\s+PEERS\s+MODE\s+ROOT\s+AGE/)
  })
})
