import { describe, expect, it } from '@jest/globals'
import type { V1Pod } from '@kubernetes/client-node'
import { latticeNetwork, withSpec } from '../../../packages/testkit/src/fixtures/index.js'
import type { LatticeNetworkSpec } from '../api/types.js'
import { buildLatticeNode } from './lattice-node.js'
import { buildPod, desiredPodSpecHash, podHashOf } from './pod.js'

const peers = { bootstrap: ['/dns4/ledger-1.lattice-test.svc.cluster.local/tcp/9000/p2p/12D3KooWA', '/dns4/ledger-2.lattice-test.svc.cluster.local/tcp/9000/p2p/12D3KooWB'], lattice_nodes: ['http://ledger-1.lattice-test.svc.cluster.local:8080'], members: ['12D3KooWA', '12D3KooWB', '12D3KooWC'] }

function node (spec: Partial<LatticeNetworkSpec> = {}, ordinal = 0): ReturnType<typeof buildLatticeNode> {
  const n = buildLatticeNode(latticeNetwork(withSpec(spec)), ordinal)
  n.metadata.uid = 'aaaaaaaa-0000-0000-0000-000000000000'
  return n
}

function envOf (pod: V1Pod): Record<string, string | undefined> {
  return Object.fromEntries((pod.spec?.containers[0]?.env ?? []).map(e => [e.name, e.value ?? `<from ${e.valueFrom?.fieldRef?.fieldPath ?? '?'}>`]))
}

describe('buildPod', () => {
  it('sets the lattice-node env contract', () => {
    const env = envOf(buildPod(node({ sync: { mode: 'http', heartbeatIntervalSeconds: 2, peerlessTimeoutSeconds: 7, httpPollIntervalSeconds: 3, topic: 't/1' }, logLevel: 'debug' }), peers))
    expect(env).toEqual({
      POD_IP: '<from status.podIP>',
      POD_NAME: '<from metadata.name>',
      POD_NAMESPACE: '<from metadata.namespace>',
      AETHEL_P2P_ENABLED: 'true',
      AETHEL_P2P_LISTEN: '/ip4/$(POD_IP)/tcp/9000',
      AETHEL_HTTP_LISTEN: '$(POD_IP):8080',
      AETHEL_P2P_BOOTSTRAP: peers.bootstrap.join(','),
      AETHEL_LATTICE_NODES: peers.lattice_nodes.join(','),
      AETHEL_MEMBERS: '12D3KooWA,12D3KooWB,12D3KooWC',
      AETHEL_PEERS_FILE: '/etc/lattice/peers/peers.json',
      AETHEL_DATA_DIR: '/var/lib/lattice/data',
      AETHEL_IDENTITY_FILE: '/etc/lattice/identity/identity.key',
      AETHEL_P2P_PSK_FILE: '/etc/lattice/secrets/psk',
      AETHEL_API_TOKEN_FILE: '/etc/lattice/secrets/token',
      AETHEL_P2P_TOPIC: 't/1',
      AETHEL_HEARTBEAT_INTERVAL: '2',
      AETHEL_PEERLESS_TIMEOUT: '7',
      AETHEL_HTTP_POLL_INTERVAL: '3',
      AETHEL_SYNC_MODE: 'http',
      AETHEL_LOG_LEVEL: 'debug'
    })
  })
  it('is locked down: non-root 10001, read-only root fs, no capabilities, seccomp RuntimeDefault', () => {
    const pod = buildPod(node(), peers)
    const c = pod.spec?.containers[0]
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } })
    expect(c?.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })
    expect(c?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 8080 })
    expect(c?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 8080 })
    expect(c?.volumeMounts?.map(m => [m.name, m.mountPath])).toEqual([
      ['data', '/var/lib/lattice'], ['identity', '/etc/lattice/identity'], ['secrets', '/etc/lattice/secrets'], ['peers', '/etc/lattice/peers'], ['tmp', '/tmp']
    ])
    expect(pod.spec?.volumes?.find(v => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('ledger-0-data')
    expect(pod.spec?.volumes?.find(v => v.name === 'identity')?.secret?.secretName).toBe('ledger-0-identity')
    expect(pod.spec?.volumes?.find(v => v.name === 'secrets')?.secret?.secretName).toBe('ledger-secrets')
    expect(pod.spec?.volumes?.find(v => v.name === 'peers')?.configMap?.name).toBe('ledger-peers')
  })
  it('pod spec hash: annotation equals the desired hash, ignores the peer lists, follows image and settings', () => {
    const n = node()
    const a = buildPod(n, peers)
    const b = buildPod(n, { bootstrap: [], lattice_nodes: [], members: ['x'] })
    expect(podHashOf(a)).toBe(desiredPodSpecHash(n))
    expect(podHashOf(b)).toBe(podHashOf(a))
    expect(desiredPodSpecHash(node({ image: 'lattice-node:0.2.0' }))).not.toBe(podHashOf(a))
    expect(desiredPodSpecHash(node({ sync: { mode: 'p2p' } }))).not.toBe(podHashOf(a))
    // A different node has a different pod (name, volumes), so a different hash.
    expect(desiredPodSpecHash(node({}, 1))).not.toBe(podHashOf(a))
  })
  it('passes scheduling and resources through', () => {
    const pod = buildPod(node({ nodeSelector: { zone: 'a' }, tolerations: [{ key: 'k', operator: 'Exists' }], resources: { limits: { cpu: 1, memory: '256Mi' } } }), peers)
    expect(pod.spec?.nodeSelector).toEqual({ zone: 'a' })
    expect(pod.spec?.tolerations).toEqual([{ key: 'k', operator: 'Exists' }])
    expect(pod.spec?.containers[0]?.resources).toEqual({ limits: { cpu: '1', memory: '256Mi' } })
  })
  it('passes imagePullSecrets, priorityClassName and the pod template metadata into the pod', () => {
    const pod = buildPod(node({
      imagePullSecrets: [{ name: 'regcred' }],
      priorityClassName: 'lattice-critical',
      podTemplate: { metadata: { labels: { team: 'ledger', 'app.kubernetes.io/component': 'mine' }, annotations: { 'sidecar.istio.io/inject': 'false' } } }
    }), peers)
    expect(pod.spec?.imagePullSecrets).toEqual([{ name: 'regcred' }])
    expect(pod.spec?.priorityClassName).toBe('lattice-critical')
    expect(pod.metadata?.labels).toMatchObject({ team: 'ledger', 'lattice.diotec360.com/network': 'ledger' })
    // The operator's own labels win: selectors depend on them.
    expect(pod.metadata?.labels?.['app.kubernetes.io/component']).toBe('node')
    expect(pod.metadata?.annotations).toMatchObject({ 'sidecar.istio.io/inject': 'false' })
    expect(pod.metadata?.annotations?.['lattice.diotec360.com/pod-spec-hash']).toBe(podHashOf(pod))
  })
  it('pod spec hash: unchanged without the new fields, follows pod labels, pull secrets and priority', () => {
    const plain = desiredPodSpecHash(node())
    expect(desiredPodSpecHash(node({ imagePullSecrets: [], podTemplate: { metadata: {} } }))).toBe(plain)
    const variants = [
      node({ imagePullSecrets: [{ name: 'regcred' }] }),
      node({ priorityClassName: 'high' }),
      node({ podTemplate: { metadata: { labels: { team: 'a' } } } }),
      node({ podTemplate: { metadata: { annotations: { a: 'b' } } } })
    ].map(desiredPodSpecHash)
    expect(new Set([plain, ...variants]).size).toBe(5)
    for (const n of [node({ podTemplate: { metadata: { labels: { team: 'a' } } } })]) expect(podHashOf(buildPod(n, peers))).toBe(desiredPodSpecHash(n))
  })
  it('matches the snapshot', () => {
    expect(buildPod(node(), peers)).toMatchSnapshot('pod')
  })
  it('matches the snapshot with pull secrets, priority class and pod metadata', () => {
    expect(buildPod(node({
      imagePullSecrets: [{ name: 'regcred' }],
      priorityClassName: 'lattice-critical',
      podTemplate: { metadata: { labels: { team: 'ledger' }, annotations: { 'prometheus.io/scrape': 'true' } } }
    }), peers)).toMatchSnapshot('pod-production')
  })
})
