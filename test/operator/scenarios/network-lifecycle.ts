/**
 * The LatticeNetwork lifecycle scenarios, written once and run against whatever operator the suite
 * gives: test/operator/network.test.ts runs them with the operator as a local process on the
 * stand-in kubelet, test/realnode/operator-pods.test.ts with the operator as two pods from its image
 * (Helm, leader election) on the real node. The tests run in order on one network; a failing one's
 * output shows the namespace and the operator's logs (the kit's jest environment).
 *
 * What a suite must provide: a cluster with a scheduler, a node and kube-controller-manager
 * (garbage collection, the PDB's status), the images IMAGES.current and IMAGES.next, and an
 * operator probing every second in podIP address mode whose metrics the test process can read.
 */
import { beforeAll, expect, it } from '@jest/globals'
import { sampleValue, waitFor } from '../../../packages/testkit/src/index.js'
import { peersFileFor, parsePeersConfigMap, type PeerNode } from '../../../operator/src/builders/peers.js'
import { Api, apiWrites, writesBetween, kubectlApply, mergePatchNetwork, networkManifest, nodePost, podReady, waitSettled, type OperatorTestCluster } from '../helpers.js'
import type { OperatorUnderTest } from '../under-test.js'

/** The node images the scenarios use: the one networkManifest() names, a newer tag of it, and one no node has. */
export const IMAGES = { current: 'lattice-node:0.1.0', next: 'lattice-node:0.2.0', missing: 'lattice-broken:9.9.9' } as const

export interface ScenarioTarget {
  cluster: OperatorTestCluster
  operator: OperatorUnderTest
}

const NET = 'ledger'
// Fast timings so failover and divergence happen within a test's patience.
const SYNC = { mode: 'auto', heartbeatIntervalSeconds: 1, peerlessTimeoutSeconds: 4, httpPollIntervalSeconds: 1 }

/**
 * The operator's API writes by `verb kind`, without its leader Lease: a replica with leader election
 * renews the Lease every retry period whatever the networks do (that is leader election, not
 * reconciling).
 */
function reconcileWrites (metrics: string): Record<string, number> {
  return Object.fromEntries(Object.entries(apiWrites(metrics)).filter(([k]) => !k.endsWith(' Lease')))
}

/** Declares the lifecycle tests (call inside a describe whose beforeAll makes the target). */
export function networkLifecycleScenarios (target: () => ScenarioTarget): void {
  let cluster: OperatorTestCluster
  let operator: OperatorUnderTest
  let api: Api
  beforeAll(() => {
    ({ cluster, operator } = target())
    api = new Api(cluster)
  })

  it('apply a 3-replica network: children created, bootstrap lists the other two peer IDs, 3/3 ready, peers 2, mode P2P, one root', async () => {
    await kubectlApply(cluster, networkManifest(NET, { replicas: 3, sync: SYNC }))
    const net = await waitSettled(api, NET, 3)
    const nodes = await api.nodes(NET)
    expect(nodes.map(n => n.metadata.name)).toEqual(['ledger-0', 'ledger-1', 'ledger-2'])
    for (const n of nodes) {
      expect(n.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'LatticeNetwork', name: NET, uid: net.metadata.uid, controller: true })
      expect(n.status?.peerId).toMatch(/^12D3KooW/)
      expect(n.status?.mode).toBe('P2P')
      expect(n.status?.peerCount).toBe(2)
    }
    const ns = cluster.namespace
    const core = api.core
    for (const n of nodes) {
      const name = n.metadata.name ?? ''
      const owned = (o: { metadata?: { ownerReferences?: Array<{ uid?: string }> } }): boolean => o.metadata?.ownerReferences?.some(r => r.uid === n.metadata.uid) === true
      expect(owned(await core.readNamespacedSecret({ name: `${name}-identity`, namespace: ns }))).toBe(true)
      expect(owned(await core.readNamespacedPersistentVolumeClaim({ name: `${name}-data`, namespace: ns }))).toBe(true)
      expect(owned(await core.readNamespacedService({ name, namespace: ns }))).toBe(true)
      expect(owned(await core.readNamespacedPod({ name, namespace: ns }))).toBe(true)
    }
    await core.readNamespacedSecret({ name: `${NET}-secrets`, namespace: ns })
    await core.readNamespacedService({ name: `${NET}-headless`, namespace: ns })
    // Every node's view of the peers file lists exactly the other two peer IDs.
    const file = parsePeersConfigMap(await core.readNamespacedConfigMap({ name: `${NET}-peers`, namespace: ns }))
    expect(file).toBeDefined()
    const peers: PeerNode[] = nodes.map(n => ({ name: n.metadata.name ?? '', peerId: n.status?.peerId ?? '', podIP: n.status?.podIP ?? '' }))
    for (const self of peers) {
      const mine = peersFileFor(file ?? { bootstrap: [], lattice_nodes: [], members: [] }, self, { namespace: ns, clusterDomain: 'cluster.local', addressMode: 'podIP', p2pPort: 9000, httpPort: 8080 })
      const ids = mine.bootstrap.map(m => m.slice(m.lastIndexOf('/p2p/') + 5)).sort()
      expect(ids).toEqual(peers.filter(p => p.name !== self.name).map(p => p.peerId).sort())
      // Pod addresses as the cluster gave them (127.x on the stand-in kubelet, the bridge's 10.217.0.x on the real node).
      expect(mine.bootstrap.sort()).toEqual(peers.filter(p => p.name !== self.name).map(p => `/ip4/${p.podIP}/tcp/9000/p2p/${p.peerId}`).sort())
    }
    const table = await cluster.kubectl(['-n', ns, 'get', 'lnet', NET])
    const row = table.stdout.split('\n')[1] ?? ''
    expect(row).toMatch(new RegExp(`^${NET}\\s+3/3\\s+2\\s+P2P\\s+${(net.status?.merkleRoot ?? '').slice(0, 12)}\\s`))
    // The PDB works with LatticeNode-controlled pods: exactly one voluntary disruption allowed.
    await waitFor('PDB allows one disruption', async () => {
      const pdb = await cluster.kubectl(['-n', ns, 'get', 'pdb', NET, '-o', 'jsonpath={.status.disruptionsAllowed}/{.status.expectedPods}'])
      return pdb.stdout === '1/3'
    }, { timeoutMs: 60_000, intervalMs: 500 })
    const conds = Object.fromEntries((net.status?.conditions ?? []).map(c => [c.type, c.status]))
    expect(conds).toEqual({ Ready: 'True', Progressing: 'True', Degraded: 'False', Diverged: 'False' })
  }, 240_000)

  it('a steady network causes no writes to the API server (counted over a minute)', async () => {
    const before = reconcileWrites(await operator.metrics())
    const reconcilesBefore = sampleValue(await operator.metrics(), 'lattice_operator_reconcile_total', { controller: 'latticenode', result: 'success' })
    const until = Date.now() + 60_000
    await waitFor('a minute to pass', () => Date.now() >= until, { timeoutMs: 70_000, intervalMs: 1000 })
    const text = await operator.metrics()
    expect(writesBetween(before, reconcileWrites(text))).toEqual({})
    // The operator was not idle: it probed (node up metrics present) and the counter machinery works.
    expect(text).toContain(`lattice_node_up{namespace="${cluster.namespace}",network="${NET}",node="ledger-0"} 1`)
    expect(reconcilesBefore).toBeDefined()
  }, 120_000)

  const nodeIp = async (name: string): Promise<string> => {
    const n = (await api.nodes(NET)).find(x => x.metadata.name === name)
    const ip = n?.status?.podIP
    if (ip === undefined) throw new Error(`${name} has no pod IP`)
    return ip
  }

  it('cut P2P on one node: its status shows peers 0, mode HTTP, and the metrics show it; restored it returns to P2P', async () => {
    const token = await api.token(NET)
    const ip = await nodeIp('ledger-1')
    const cut = await nodePost(ip, 8080, '/api/lattice/sync/p2p?enabled=false', token)
    expect(cut.status).toBe(200)
    await waitFor('ledger-1 peers 0, mode HTTP', async () => {
      const n = (await api.nodes(NET)).find(x => x.metadata.name === 'ledger-1')
      return n?.status?.peerCount === 0 && n.status.mode === 'HTTP' && n.status.httpSyncEnabled === true
    }, { timeoutMs: 60_000, intervalMs: 500 })
    const labels = { namespace: cluster.namespace, network: NET, node: 'ledger-1' }
    await waitFor('metrics show ledger-1 peerless in HTTP mode', async () => {
      const text = await operator.metrics()
      return sampleValue(text, 'lattice_node_peers', labels) === 0 &&
        sampleValue(text, 'lattice_node_sync_mode', { ...labels, mode: 'HTTP' }) === 1 &&
        sampleValue(text, 'lattice_node_sync_mode', { ...labels, mode: 'P2P' }) === 0 &&
        sampleValue(text, 'lattice_node_http_sync_enabled', labels) === 1
    }, { timeoutMs: 30_000, intervalMs: 500 })
    const net = await api.network(NET)
    expect(net?.status?.mode).toBe('Mixed')
    expect(net?.status?.conditions?.find(c => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'P2PUnavailable' })
    expect((await nodePost(ip, 8080, '/api/lattice/sync/p2p?enabled=true', token)).status).toBe(200)
    await waitSettled(api, NET, 3, { timeoutMs: 120_000 })
  }, 240_000)

  it('a node whose state diverges: diverged true, divergent nodes 1, Diverged=True; healed, both clear', async () => {
    const token = await api.token(NET)
    const ip = await nodeIp('ledger-2')
    // All sync off on ledger-2: libp2p stopped and the p2p-only setting (which never polls HTTP).
    expect((await nodePost(ip, 8080, '/api/lattice/sync/switch?mode=p2p', token)).status).toBe(200)
    expect((await nodePost(ip, 8080, '/api/lattice/sync/p2p?enabled=false', token)).status).toBe(200)
    for (let i = 0; i < 3; i++) {
      const w = await nodePost(ip, 8080, '/api/lattice/records', token, { key: `diverge-${i}`, payload: { i } })
      expect(w.status).toBe(201)
    }
    const labels = { namespace: cluster.namespace, network: NET }
    await waitFor('ledger-2 diverged, network Diverged=True, metrics 1', async () => {
      const net = await api.network(NET)
      const node = (await api.nodes(NET)).find(x => x.metadata.name === 'ledger-2')
      const text = await operator.metrics()
      return node?.status?.diverged === true &&
        node.status.conditions?.some(c => c.type === 'Diverged' && c.status === 'True') === true &&
        JSON.stringify(net?.status?.divergentNodes) === '["ledger-2"]' &&
        net?.status?.conditions?.some(c => c.type === 'Diverged' && c.status === 'True' && c.reason === 'StateDiverged') === true &&
        sampleValue(text, 'lattice_network_divergent_nodes', labels) === 1 &&
        sampleValue(text, 'lattice_node_diverged', { ...labels, node: 'ledger-2' }) === 1
    }, { timeoutMs: 60_000, intervalMs: 500 })
    // Heal: sync back on; ledger-2's records reach the others and every root agrees again.
    expect((await nodePost(ip, 8080, '/api/lattice/sync/p2p?enabled=true', token)).status).toBe(200)
    expect((await nodePost(ip, 8080, '/api/lattice/sync/switch?mode=auto', token)).status).toBe(200)
    await waitFor('divergence cleared', async () => {
      const net = await api.network(NET)
      const node = (await api.nodes(NET)).find(x => x.metadata.name === 'ledger-2')
      const text = await operator.metrics()
      return node?.status?.diverged === false && net?.status?.divergentNodeCount === 0 &&
        net.status.conditions?.some(c => c.type === 'Diverged' && c.status === 'False') === true &&
        sampleValue(text, 'lattice_network_divergent_nodes', labels) === 0 &&
        sampleValue(text, 'lattice_node_diverged', { ...labels, node: 'ledger-2' }) === 0
    }, { timeoutMs: 120_000, intervalMs: 500 })
    const settled = await waitSettled(api, NET, 3, { timeoutMs: 120_000 })
    expect(settled.status?.nodes?.every(n => (n.merkleRoot ?? '') === settled.status?.merkleRoot)).toBe(true)
  }, 300_000)

  it('scale 3 → 5 → 3: new nodes join without restarting the others; removed nodes are gone, their PVCs kept (Retain)', async () => {
    const before = new Map((await api.pods(NET)).map(p => [p.metadata?.name ?? '', { uid: p.metadata?.uid, restarts: p.status?.containerStatuses?.[0]?.restartCount }]))
    expect(before.size).toBe(3)
    await mergePatchNetwork(cluster, NET, { spec: { replicas: 5 } })
    await waitSettled(api, NET, 5, { peers: 4, timeoutMs: 180_000 })
    for (const p of await api.pods(NET)) {
      const b = before.get(p.metadata?.name ?? '')
      if (b === undefined) continue
      expect({ name: p.metadata?.name, uid: p.metadata?.uid, restarts: p.status?.containerStatuses?.[0]?.restartCount }).toEqual({ name: p.metadata?.name, uid: b.uid, restarts: b.restarts })
    }
    const cm = await api.core.readNamespacedConfigMap({ name: `${NET}-peers`, namespace: cluster.namespace })
    expect(JSON.parse(cm.data?.['peers.json'] ?? '{}').bootstrap).toHaveLength(5)

    await mergePatchNetwork(cluster, NET, { spec: { replicas: 3 } })
    await waitFor('ledger-3 and ledger-4 gone', async () => {
      const nodes = (await api.nodes(NET)).map(n => n.metadata.name)
      const pods = (await api.pods(NET)).map(p => p.metadata?.name)
      return JSON.stringify(nodes) === '["ledger-0","ledger-1","ledger-2"]' && JSON.stringify(pods) === '["ledger-0","ledger-1","ledger-2"]'
    }, { timeoutMs: 120_000, intervalMs: 500 })
    await waitSettled(api, NET, 3, { timeoutMs: 180_000 })
    for (const gone of ['ledger-3', 'ledger-4']) {
      const pvc = await api.core.readNamespacedPersistentVolumeClaim({ name: `${gone}-data`, namespace: cluster.namespace })
      expect(pvc.metadata?.ownerReferences ?? []).toEqual([])
      await expect(api.core.readNamespacedSecret({ name: `${gone}-identity`, namespace: cluster.namespace })).rejects.toMatchObject({ code: 404 })
    }
    for (const p of await api.pods(NET)) expect(p.metadata?.uid).toBe(before.get(p.metadata?.name ?? '')?.uid)
    // Removed nodes leave no metric series behind.
    const text = await operator.metrics()
    expect(text).not.toContain('node="ledger-3"')
    expect(text).not.toContain('node="ledger-4"')
    expect(text).toContain(`lattice_network_desired_nodes{namespace="${cluster.namespace}",network="${NET}"} 3`)
  }, 420_000)

  it('change the image tag: pods replaced one at a time, each after the previous is Ready and Synced', async () => {
    const original = new Map((await api.pods(NET)).map(p => [p.metadata?.name ?? '', p.metadata?.uid ?? '']))
    await mergePatchNetwork(cluster, NET, { spec: { image: IMAGES.next } })
    const order: string[] = []
    let maxUnsettled = 0
    await waitFor('every pod replaced and the network settled', async () => {
      const pods = await api.pods(NET)
      const net = await api.network(NET)
      let unsettled = 0
      for (const name of original.keys()) {
        const p = pods.find(x => x.metadata?.name === name)
        const replaced = p !== undefined && p.metadata?.uid !== original.get(name)
        if (replaced && !order.includes(name)) order.push(name)
        const nodeStatus = net?.status?.nodes?.find(n => n.name === name)
        // A node is unsettled from the moment its pod goes until the new one is Ready and Synced.
        if (p === undefined || (p.metadata?.uid === original.get(name) && p.metadata?.deletionTimestamp !== undefined) || (replaced && !(podReady(p) && nodeStatus?.synced === true && nodeStatus.ready === true))) unsettled++
      }
      maxUnsettled = Math.max(maxUnsettled, unsettled)
      const done = order.length === original.size && pods.every(p => p.spec?.containers[0]?.image === IMAGES.next && podReady(p))
      return done && net?.status?.conditions?.some(c => c.type === 'Progressing' && c.reason === 'RolloutComplete') === true && net.status.updatedReplicas === 3
    }, { timeoutMs: 300_000, intervalMs: 200 })
    expect(order).toEqual(['ledger-2', 'ledger-1', 'ledger-0'])
    expect(maxUnsettled).toBe(1)
    await waitSettled(api, NET, 3, { timeoutMs: 120_000 })
  }, 420_000)

  it('a hand edit of a network-owned LatticeNode is drift: the network rolls it back', async () => {
    const r = await cluster.kubectl(['-n', cluster.namespace, 'patch', 'lnode', 'ledger-0', '--type=merge', '-p', JSON.stringify({ spec: { logLevel: 'debug' } })])
    expect(r.code).toBe(0)
    await waitFor('ledger-0 back on the network template', async () => {
      const n = (await api.nodes(NET)).find(x => x.metadata.name === 'ledger-0')
      return n?.spec.logLevel === 'info'
    }, { timeoutMs: 120_000, intervalMs: 250 })
    await waitSettled(api, NET, 3, { timeoutMs: 180_000 })
  }, 300_000)

  it('a node that never becomes ready stops the rollout with Progressing=False, reason RolloutStalled; reverting recovers', async () => {
    const before = new Map((await api.pods(NET)).map(p => [p.metadata?.name ?? '', p.metadata?.uid ?? '']))
    // No such image (the stand-in kubelet has no entry point for it, the real node's containerd
    // cannot pull it): the container never starts, the pod never gets Ready.
    await mergePatchNetwork(cluster, NET, { spec: { image: IMAGES.missing, rollout: { progressDeadlineSeconds: 15 } } })
    const net = await waitFor('Progressing=False RolloutStalled', async () => {
      const n = await api.network(NET)
      return n?.status?.conditions?.some(c => c.type === 'Progressing' && c.status === 'False' && c.reason === 'RolloutStalled') === true ? n : undefined
    }, { timeoutMs: 120_000, intervalMs: 500 })
    expect(net.status?.rolloutNode).toBe('ledger-2')
    const pods = await api.pods(NET)
    for (const name of ['ledger-0', 'ledger-1']) {
      const p = pods.find(x => x.metadata?.name === name)
      expect({ name, uid: p?.metadata?.uid, image: p?.spec?.containers[0]?.image, ready: p !== undefined && podReady(p) }).toEqual({ name, uid: before.get(name), image: IMAGES.next, ready: true })
    }
    const events = await api.core.listNamespacedEvent({ namespace: cluster.namespace })
    expect(events.items.some(e => e.reason === 'RolloutStalled' && e.involvedObject.name === NET)).toBe(true)
    // The broken node does not answer its probe: lattice_node_up 0 (and the operator carries on).
    await waitFor('lattice_node_up 0 for the broken node', async () => {
      const text = await operator.metrics()
      return sampleValue(text, 'lattice_node_up', { namespace: cluster.namespace, network: NET, node: 'ledger-2' }) === 0
    }, { timeoutMs: 30_000, intervalMs: 500 })
    await mergePatchNetwork(cluster, NET, { spec: { image: IMAGES.next } })
    await waitFor('rollout complete again', async () => (await api.network(NET))?.status?.conditions?.some(c => c.type === 'Progressing' && c.status === 'True' && c.reason === 'RolloutComplete') === true, { timeoutMs: 180_000, intervalMs: 500 })
    await waitSettled(api, NET, 3, { timeoutMs: 180_000 })
  }, 420_000)

  it('delete the LatticeNetwork: every child is removed, PVCs kept as reclaimPolicy Retain says', async () => {
    const r = await cluster.kubectl(['-n', cluster.namespace, 'delete', 'lnet', NET, '--wait=false'])
    expect(r.code).toBe(0)
    const ns = cluster.namespace
    const sel = `app.kubernetes.io/managed-by=lattice-operator,lattice.diotec360.com/network=${NET}`
    await waitFor('children gone', async () => {
      const nodes = await api.nodes(NET)
      const pods = await api.core.listNamespacedPod({ namespace: ns, labelSelector: sel })
      const svcs = await api.core.listNamespacedService({ namespace: ns, labelSelector: sel })
      const secrets = await api.core.listNamespacedSecret({ namespace: ns, labelSelector: sel })
      const cms = await api.core.listNamespacedConfigMap({ namespace: ns, labelSelector: sel })
      return nodes.length === 0 && pods.items.length === 0 && svcs.items.length === 0 && secrets.items.length === 0 && cms.items.length === 0 && await api.network(NET) === undefined
    }, { timeoutMs: 180_000, intervalMs: 500 })
    const pvcs = await api.core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector: sel })
    expect(pvcs.items.map(p => p.metadata?.name).sort()).toEqual(['ledger-0-data', 'ledger-1-data', 'ledger-2-data', 'ledger-3-data', 'ledger-4-data'])
    for (const p of pvcs.items) expect(p.metadata?.ownerReferences ?? []).toEqual([])
  }, 240_000)
}
