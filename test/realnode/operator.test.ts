/**
 * The operator as a pod and the lattice-node image on a real node: `helm install` of the chart runs
 * lattice-operator from its image with its own ServiceAccount (in-cluster configuration through the
 * `kubernetes` Service), `kubectl apply` of the minimal sample gives three node pods that find each
 * other by their Services' DNS names, a deleted node pod comes back with the same identity and data,
 * and restarting containerd and the kubelet leaves the network Ready.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node'
import type { LatticeNetwork, LatticeNode } from '../../operator/src/api/types.js'
import { networkSecretName, peersConfigMapName, pvcName } from '../../operator/src/builders/names.js'
import { parsePeersConfigMap } from '../../operator/src/builders/peers.js'
import { repoRoot } from '../cluster/binaries.js'
import { realNodeSkipReason, useRealNode } from '../cluster/realnode/harness.js'
import { builtImageArchives, REAL_NODE } from '../cluster/realnode/index.js'

const skipReason = realNodeSkipReason()
if (skipReason != null) process.stderr.write(`test/realnode/operator: not run: ${skipReason}\n`)
const describeRealNode = skipReason == null ? describe : describe.skip

const GROUP = 'lattice.diotec360.com'
const VERSION = 'v1alpha1'
const NET = 'aethel'

const podReady = (p: V1Pod | undefined): boolean => p?.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') === true

async function within<T> (what: string, check: () => Promise<T | undefined | false>, timeoutMs = 180_000): Promise<T> {
  return await waitFor(what, check, { timeoutMs, intervalMs: 1000 })
}

async function nodeApi (ip: string, pathAndQuery: string, init: { token?: string, body?: unknown } = {}): Promise<{ status: number, body: string }> {
  const res = await fetch(`http://${ip}:8080${pathAndQuery}`, {
    method: init.body !== undefined ? 'POST' : 'GET',
    headers: { ...(init.token !== undefined ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    signal: AbortSignal.timeout(10_000)
  })
  return { status: res.status, body: await res.text() }
}

describeRealNode('lattice-operator and lattice-node images on a real node', () => {
  // The chart installs the CRDs itself (crds.enabled): the control plane must not apply them first.
  const rn = useRealNode({ imageArchives: builtImageArchives, crdsDir: false }, 'rn-op')
  const objects = (): CustomObjectsApi => rn.kubeConfig().makeApiClient(CustomObjectsApi)
  const core = (): CoreV1Api => rn.kubeConfig().makeApiClient(CoreV1Api)
  const getNetwork = async (): Promise<LatticeNetwork> => await objects().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: rn.namespace, plural: 'latticenetworks', name: NET }) as LatticeNetwork
  const getNode = async (name: string): Promise<LatticeNode> => await objects().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: rn.namespace, plural: 'latticenodes', name }) as LatticeNode
  const networkReady = async (): Promise<LatticeNetwork | undefined> => {
    const n = await getNetwork()
    const s = n.status
    return s?.readyReplicas === 3 && s.conditions?.some(c => c.type === 'Ready' && c.status === 'True') === true && (s.nodes ?? []).every(x => x.peerCount === 2) ? n : undefined
  }

  it('helm install runs the operator as a pod from its image, with its own ServiceAccount', async () => {
    const r = await rn.controlPlane.helm(['install', 'lattice', path.join(repoRoot(), 'charts', 'lattice-operator'), '-n', 'lattice-system', '--create-namespace', '--wait', '--timeout', '5m'], { timeoutMs: 330_000 })
    if (r.code !== 0) throw new Error(`helm install failed: ${r.stderr}`)
    const pods = await core().listNamespacedPod({ namespace: 'lattice-system', labelSelector: 'app.kubernetes.io/name=lattice-operator' })
    expect(pods.items).toHaveLength(1)
    const pod = pods.items[0]
    expect(pod.spec?.nodeName).toBe(REAL_NODE.nodeName)
    expect(pod.spec?.containers[0].image).toMatch(/^lattice-operator:/)
    const sa = pod.spec?.serviceAccountName ?? ''
    expect(sa).not.toBe('default')
    await core().readNamespacedServiceAccount({ name: sa, namespace: 'lattice-system' })
    expect(pod.status?.containerStatuses?.[0].imageID).toMatch(/^sha256:|@sha256:/)
    // It talks to the API server from inside the pod network: caches synced means list + watch worked.
    const logs = await within('operator log: caches synced', async () => {
      const l = await rn.kubectl(['logs', '-n', 'lattice-system', pod.metadata?.name ?? ''])
      return l.stdout.includes('caches synced') ? l.stdout : undefined
    })
    expect(logs).toContain('lattice-operator started')
  }, 400_000)

  it('kubectl apply of the minimal sample gives three Ready node pods that find each other by DNS name', async () => {
    // The chart's CRDs may still be on their way to Established right after the install.
    await within('kubectl apply of the minimal sample', async () => {
      const r = await rn.kubectl(['apply', '-n', rn.namespace, '-f', path.join(repoRoot(), 'manifests', 'samples', 'minimal.yaml')])
      return r.code === 0
    }, 60_000)
    await within('network aethel 3/3 Ready with 2 peers each', networkReady, 300_000)
    const pods = (await core().listNamespacedPod({ namespace: rn.namespace })).items.filter(p => p.metadata?.name?.startsWith(`${NET}-`) === true)
    expect(pods).toHaveLength(3)
    for (const p of pods) {
      expect(p.spec?.containers[0].image).toBe('lattice-node:0.1.0')
      expect(p.status?.podIP).toMatch(/^10\.217\.0\./)
    }
    const peers = parsePeersConfigMap(await core().readNamespacedConfigMap({ name: peersConfigMapName(NET), namespace: rn.namespace }))
    expect(peers?.bootstrap).toHaveLength(3)
    for (const ma of peers?.bootstrap ?? []) expect(ma).toMatch(new RegExp(`^/dns4/${NET}-\\d\\.${rn.namespace}\\.svc\\.cluster\\.local/tcp/\\d+/p2p/12D3KooW`))
  }, 330_000)

  it('a deleted node pod is replaced and rejoins with the same identity and data', async () => {
    const token = Buffer.from((await core().readNamespacedSecret({ name: networkSecretName(NET), namespace: rn.namespace })).data?.token ?? '', 'base64').toString()
    const before = await getNode(`${NET}-1`)
    const oldPod = await core().readNamespacedPod({ name: `${NET}-1`, namespace: rn.namespace })
    const ip0 = (await getNode(`${NET}-0`)).status?.podIP ?? ''
    const write = await nodeApi(ip0, '/api/lattice/records', { token, body: { key: 'before-delete', payload: { n: 1 } } })
    expect(write.status).toBe(201)
    const id = (JSON.parse(write.body) as { id: string }).id
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    await within('the record on aethel-1', async () => (await nodeApi(oldPod.status?.podIP ?? '', `/api/lattice/records/${id}`, { token })).status === 200)

    const del = await rn.kubectl(['delete', 'pod', '-n', rn.namespace, `${NET}-1`, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 })
    expect(del.code).toBe(0)
    const fresh = await within('a new aethel-1 pod Ready', async () => {
      const p = await core().readNamespacedPod({ name: `${NET}-1`, namespace: rn.namespace }).catch(() => undefined)
      return p?.metadata?.uid !== oldPod.metadata?.uid && podReady(p) ? p : undefined
    })
    await within('network aethel 3/3 Ready again', networkReady, 240_000)
    const after = await getNode(`${NET}-1`)
    expect(after.status?.peerId).toBe(before.status?.peerId)
    const read = await nodeApi(fresh.status?.podIP ?? '', `/api/lattice/records/${id}`, { token })
    expect(read.status).toBe(200)
    expect(read.body).toContain('before-delete')
  }, 400_000)

  it('a node whose PVC and pod are deleted (identity kept) recovers its own records from its peers: 0 lost, seqs continue, one root', async () => {
    // issue 15: the operator keeps the identity Secret, the volume is gone; the node must not sign seqs
    // its peers hold (node/src/sync/own-head.ts) and must report what it recovered (condition Recovering)
    const token = Buffer.from((await core().readNamespacedSecret({ name: networkSecretName(NET), namespace: rn.namespace })).data?.token ?? '', 'base64').toString()
    const victim = `${NET}-1`
    const peerId = (await getNode(victim)).status?.peerId ?? ''
    const ipOf = async (name: string): Promise<string> => (await getNode(name)).status?.podIP ?? ''
    const ip1 = await ipOf(victim)
    const acknowledged: Array<{ id: string, seq: number }> = []
    for (let i = 0; i < 20; i++) {
      const w = await nodeApi(ip1, '/api/lattice/records', { token, body: { key: `before-pvc-loss/${i}`, payload: { i } } })
      expect(w.status).toBe(201)
      acknowledged.push(JSON.parse(w.body) as { id: string, seq: number })
    }
    const head = Math.max(...acknowledged.map(r => r.seq))
    const vvOf = async (ip: string): Promise<Record<string, number>> => (JSON.parse((await nodeApi(ip, '/api/lattice/state')).body) as { version_vector: Record<string, number> }).version_vector
    await within('aethel-0 and aethel-2 hold aethel-1\'s records', async () => {
      const [a, c] = await Promise.all([ipOf(`${NET}-0`), ipOf(`${NET}-2`)].map(async ip => await vvOf(await ip)))
      return a[peerId] === head && c[peerId] === head
    })

    const oldPvc = await core().readNamespacedPersistentVolumeClaim({ name: pvcName(victim), namespace: rn.namespace })
    const oldPod = await core().readNamespacedPod({ name: victim, namespace: rn.namespace })
    // the claim goes once its pod is gone (pvc-protection); the operator makes a new claim and pod
    expect((await rn.kubectl(['delete', 'pvc', '-n', rn.namespace, pvcName(victim), '--wait=false'])).code).toBe(0)
    expect((await rn.kubectl(['delete', 'pod', '-n', rn.namespace, victim, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 })).code).toBe(0)
    const fresh = await within('a new aethel-1 pod Ready on a new claim', async () => {
      const pvc = await core().readNamespacedPersistentVolumeClaim({ name: pvcName(victim), namespace: rn.namespace }).catch(() => undefined)
      const p = await core().readNamespacedPod({ name: victim, namespace: rn.namespace }).catch(() => undefined)
      return pvc !== undefined && pvc.metadata?.uid !== oldPvc.metadata?.uid && p?.metadata?.uid !== oldPod.metadata?.uid && podReady(p) ? p : undefined
    }, 300_000)
    expect((await getNode(victim)).status?.peerId).toBe(peerId)
    const ip = fresh.status?.podIP ?? ''
    // writes right away: the first one continues after the highest seq the network held
    const after: Array<{ id: string, seq: number }> = []
    for (let i = 0; i < 10; i++) {
      const w = await within(`write ${i} on the new aethel-1`, async () => {
        const r = await nodeApi(ip, '/api/lattice/records', { token, body: { key: `after-pvc-loss/${i}`, payload: { i } } })
        if (r.status === 503) return undefined
        return r
      }, 120_000)
      expect(w.status).toBe(201)
      after.push(JSON.parse(w.body) as { id: string, seq: number })
    }
    expect(after.map(r => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => head + 1 + i))
    // 0 lost, one root
    const ips = await Promise.all([`${NET}-0`, victim, `${NET}-2`].map(ipOf))
    const roots = await within('equal roots on the three nodes, every acknowledged record everywhere', async () => {
      for (const x of ips) for (const r of [...acknowledged, ...after]) if ((await nodeApi(x, `/api/lattice/records/${r.id}`, { token })).status !== 200) return undefined
      const rs = await Promise.all(ips.map(async x => (JSON.parse((await nodeApi(x, '/api/lattice/state')).body) as { merkle_root: string }).merkle_root))
      return new Set(rs).size === 1 ? rs : undefined
    })
    expect(new Set(roots).size).toBe(1)
    const status = JSON.parse((await nodeApi(ip, '/api/lattice/p2p/status')).body) as { recovery: { recovering: boolean, recovered_records: number, missing_detected: number } }
    expect(status.recovery).toMatchObject({ recovering: false, missing_detected: head, recovered_records: head })
    // the operator read it from the node's status body
    const cond = await within('LatticeNode aethel-1 Recovering=False saying what it recovered', async () => {
      const c = (await getNode(victim)).status?.conditions?.find(x => x.type === 'Recovering')
      return c?.status === 'False' && c.message.includes(`recovered ${head} `) ? c : undefined
    })
    expect(cond.reason).toBe('OwnHeadKnown')
    await within('network aethel 3/3 Ready again', networkReady, 240_000)
    process.stdout.write(`realnode PVC loss: ${head} own records acknowledged before, recovered ${status.recovery.recovered_records}, next seqs ${after[0].seq}..${after[after.length - 1].seq}, lost 0, roots equal (${roots[0].slice(0, 12)})\n`)
  }, 600_000)

  it('restarting containerd and the kubelet leaves the pods running and the network Ready', async () => {
    const containers = async (): Promise<string[]> => (await core().listNamespacedPod({ namespace: rn.namespace })).items
      .map(p => `${p.metadata?.name ?? ''}=${p.status?.containerStatuses?.[0].containerID ?? ''}#${p.status?.containerStatuses?.[0].restartCount ?? ''}`).sort()
    const before = await containers()
    // Watch the network's Ready count all along the restarts.
    const seen: number[] = []
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const n = await getNetwork().catch(() => undefined)
        if (n !== undefined) seen.push(n.status?.readyReplicas ?? 0)
        await new Promise(resolve => setTimeout(resolve, 500))
      }
    })()
    const restartedAt = Date.now()
    try {
      await rn.node.restartContainerd()
      await rn.node.restartKubelet()
      // The new kubelet reports: a heartbeat after the restart.
      await within('a node heartbeat from the restarted kubelet', async () => {
        const node = await core().readNode({ name: REAL_NODE.nodeName })
        const ready = node.status?.conditions?.find(c => c.type === 'Ready')
        return ready?.status === 'True' && new Date(ready.lastHeartbeatTime ?? 0).getTime() > restartedAt
      })
      await within('network aethel 3/3 Ready after the restarts', networkReady, 240_000)
    } finally {
      sampling = false
      await sampler
    }
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.filter(r => r !== 3)).toEqual([])
    // The same containers (IDs and restart counts): nothing was killed or recreated.
    expect(await containers()).toEqual(before)
    // And the network still works: a record written on aethel-2 reaches aethel-0.
    const token = Buffer.from((await core().readNamespacedSecret({ name: networkSecretName(NET), namespace: rn.namespace })).data?.token ?? '', 'base64').toString()
    const [ip0, ip2] = await Promise.all([getNode(`${NET}-0`), getNode(`${NET}-2`)].map(async n => (await n).status?.podIP ?? ''))
    const write = await nodeApi(ip2, '/api/lattice/records', { token, body: { key: 'after-restarts', payload: { n: 2 } } })
    expect(write.status).toBe(201)
    const id = (JSON.parse(write.body) as { id: string }).id
    await within('the record written on aethel-2 on aethel-0', async () => (await nodeApi(ip0, `/api/lattice/records/${id}`, { token })).status === 200)
  }, 400_000)

  it('a network whose image does not exist says ImagePullBackOff in its status, not a silent Pending', async () => {
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'LatticeNetwork', metadata: { name: 'broken' }, spec: { image: 'lattice-node:does-not-exist', replicas: 1 } }
    await objects().createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: rn.namespace, plural: 'latticenetworks', body })
    // containerd's only registry is a closed loopback port: the pull fails at once, on this machine.
    const node = await within('LatticeNode broken-0 Ready=False with reason ImagePullBackOff', async () => {
      const n = await getNode('broken-0').catch(() => undefined)
      const ready = n?.status?.conditions?.find(c => c.type === 'Ready')
      return ready?.reason === 'ImagePullBackOff' ? n : undefined
    })
    expect(node.status?.conditions?.find(c => c.type === 'Ready')?.message).toContain('lattice-node:does-not-exist')
    const net = await within('LatticeNetwork broken naming the pull failure', async () => {
      const n = await objects().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: rn.namespace, plural: 'latticenetworks', name: 'broken' }) as LatticeNetwork
      return n.status?.conditions?.find(c => c.type === 'Ready')?.message?.includes('ImagePullBackOff') === true ? n : undefined
    })
    expect(net.status?.conditions?.find(c => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NodesNotReady' })
  }, 300_000)
})
