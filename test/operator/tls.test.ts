// Acceptance for spec.tls mode operator on the real local cluster (kube-apiserver, controller-manager,
// scheduler, the local kubelet running real lattice-node processes on 127.0.x.y): the network converges
// over HTTPS and syncs node-to-node over https, curl needs the network CA, a node given a certificate
// from another CA is refused by its peers (counted, logged), and a CA rotation with node certificate
// re-issue keeps the network Ready and loses no record written before, during or after it.
import { disposeDir, metricValue, tempDir, waitFor } from '../../packages/testkit/src/index.js'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { V1Secret } from '@kubernetes/client-node'
import { useCluster } from '../cluster/harness.js'
import { loopbackCertificate, presentedCertificate, request, testCa } from '../../packages/testkit/src/node/index.js'
import { certificateFacts, signedBy } from '../../operator/src/tls/pki.js'
import { parsePeersConfigMap } from '../../operator/src/builders/peers.js'
import { Api, kubectlApply, networkManifest, podReady, startOperator, waitSettled, type RunningOperator } from './helpers.js'

const run = promisify(execFile)
const NET = 'secure'
const SYNC = { mode: 'auto', heartbeatIntervalSeconds: 1, peerlessTimeoutSeconds: 4, httpPollIntervalSeconds: 1 }
const NODES = ['secure-0', 'secure-1', 'secure-2']

interface State { merkle_root: string, record_count: number }

const pem = (s: V1Secret, key: string): string => Buffer.from(s.data?.[key] ?? '', 'base64').toString('utf8')

describe('LatticeNetwork with spec.tls.mode operator', () => {
  const cluster = useCluster({ controllerManager: true }, 'tls')
  let api: Api
  let op: RunningOperator | undefined
  let dir: string
  // rotation steps 3 s apart: the local kubelet refreshes mounted Secrets every 2 s, the node polls every 1 s
  const start = async (label: string): Promise<RunningOperator> => await startOperator(cluster, { tlsPropagationMs: 3000 }, label)

  const trust = async (): Promise<string> => (await api.core.readNamespacedConfigMap({ name: `${NET}-tls-trust`, namespace: cluster.namespace })).data?.['ca.crt'] ?? ''
  const secret = async (name: string): Promise<V1Secret> => await api.core.readNamespacedSecret({ name, namespace: cluster.namespace })
  const ipOf = async (node: string): Promise<string> => {
    const ip = (await api.nodes(NET)).find(n => n.metadata.name === node)?.status?.podIP
    if (ip === undefined) throw new Error(`${node} has no pod IP`)
    return ip
  }
  /** A request to a node's API over https, trusting the network's bundle. */
  const nodeApi = async <T>(node: string, pathAndQuery: string, opts: { method?: string, body?: unknown, token?: string } = {}): Promise<{ status: number, body: T }> =>
    await request<T>(`https://${await ipOf(node)}:8080${pathAndQuery}`, { ...opts, ca: await trust() })

  beforeAll(async () => {
    api = new Api(cluster)
    dir = await tempDir('lattice-tls-e2e-')
    op = await start('tls')
  }, 60_000)
  afterAll(async () => {
    await op?.stop()
    await disposeDir(dir)
  }, 60_000)

  it('converges over HTTPS: CA, per-node certificates naming the Service and the pod IP, https peers, Ready with one root', async () => {
    await kubectlApply(cluster, networkManifest(NET, { replicas: 3, sync: SYNC, tls: { mode: 'operator' } }))
    const net = await waitSettled(api, NET, 3)
    const conds = Object.fromEntries((net.status?.conditions ?? []).map(c => [c.type, c.status]))
    expect(conds.Ready).toBe('True')
    const ca = await secret(`${NET}-tls-ca`)
    expect(ca.type).toBe('kubernetes.io/tls')
    const caPem = pem(ca, 'tls.crt')
    expect(await trust()).toBe(caPem.trim() + '\n')
    for (const node of NODES) {
      const ip = await ipOf(node)
      // the pod IP is added once the pod has one: the certificate is re-issued, the pod is not restarted
      await waitFor(`${node}'s certificate names its pod IP ${ip}`, async () => certificateFacts(pem(await secret(`${node}-tls`), 'tls.crt')).ipAddresses.includes(ip), { timeoutMs: 60_000, intervalMs: 500 })
      const facts = certificateFacts(pem(await secret(`${node}-tls`), 'tls.crt'))
      expect(facts.dnsNames).toEqual(expect.arrayContaining([node, `${node}.${cluster.namespace}`, `${node}.${cluster.namespace}.svc`, `${node}.${cluster.namespace}.svc.cluster.local`]))
      expect(signedBy(pem(await secret(`${node}-tls`), 'tls.crt'), caPem)).toBe(true)
      // the node serves that very certificate (reloaded from the refreshed Secret volume)
      await waitFor(`${node} serves its current certificate`, async () => (await presentedCertificate(`https://${ip}:8080/`)).fingerprint256 === certificateFacts(pem(await secret(`${node}-tls`), 'tls.crt')).fingerprint256, { timeoutMs: 60_000, intervalMs: 500 })
    }
    const pods = await api.pods(NET)
    for (const p of pods) {
      expect(p.spec?.containers[0]?.readinessProbe?.httpGet?.scheme).toBe('HTTPS')
      expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(0)
    }
    const file = parsePeersConfigMap(await api.core.readNamespacedConfigMap({ name: `${NET}-peers`, namespace: cluster.namespace }))
    expect(file?.lattice_nodes.length).toBe(3)
    expect(file?.lattice_nodes.every(u => u.startsWith('https://'))).toBe(true)
    const state = await nodeApi<State>('secure-0', '/api/lattice/state')
    expect(state.status).toBe(200)
  }, 300_000)

  it('syncs node-to-node over https when forced to HTTP sync (mode=http), with no certificate refused', async () => {
    const token = await api.token(NET)
    for (const node of NODES) expect((await nodeApi(node, '/api/lattice/sync/switch?mode=http', { method: 'POST', token })).status).toBe(200)
    const written = await nodeApi<{ id: string }>('secure-0', '/api/lattice/records', { body: { key: 'over-https', payload: { n: 1 } }, token })
    expect(written.status).toBe(201)
    for (const node of NODES.slice(1)) {
      await waitFor(`${node} has the record via https sync`, async () => (await nodeApi(node, `/api/lattice/records/${written.body.id}`, { token })).status === 200, { timeoutMs: 60_000, intervalMs: 500 })
      const m = (await nodeApi<string>(node, '/metrics')).body
      expect(metricValue(m, 'lattice_http_sync_tls_rejected_total', { reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })).toBe(0)
      expect(metricValue(m, 'lattice_http_sync_rounds_total')).toBeGreaterThanOrEqual(1)
      const status = await nodeApi<{ mode: string, sync_mode: string }>(node, '/api/lattice/p2p/status')
      expect(status.body.sync_mode).toBe('http')
      expect(status.body.mode).toBe('HTTP')
    }
    for (const node of NODES) expect((await nodeApi(node, '/api/lattice/sync/switch?mode=auto', { method: 'POST', token })).status).toBe(200)
    await waitSettled(api, NET, 3)
  }, 240_000)

  it('curl without the network CA fails; with it (--cacert) it succeeds', async () => {
    const ip = await ipOf('secure-1')
    const caFile = path.join(dir, 'ca.crt')
    await writeFile(caFile, await trust())
    const without = await run('curl', ['-sS', '--max-time', '10', `https://${ip}:8080/api/lattice/state`]).then(() => 0, (err: { code?: number, stderr?: string }) => ({ code: err.code, stderr: err.stderr }))
    expect(without).toMatchObject({ code: 60 }) // CURLE_PEER_FAILED_VERIFICATION
    expect(String((without as { stderr?: string }).stderr)).toMatch(/certificate/i)
    const withCa = await run('curl', ['-sS', '--fail', '--max-time', '10', '--cacert', caFile, `https://${ip}:8080/api/lattice/state`])
    expect((JSON.parse(withCa.stdout) as State).record_count).toBeGreaterThanOrEqual(1)
    // and by the Service's DNS name (resolved to the pod IP: there is no cluster DNS here)
    const host = `secure-1.${cluster.namespace}.svc`
    const byName = await run('curl', ['-sS', '--fail', '--max-time', '10', '--cacert', caFile, '--resolve', `${host}:8080:${ip}`, `https://${host}:8080/readyz`])
    expect(byName.stdout).toContain('ready')
  }, 60_000)

  it('a node given a certificate from another CA is refused by its peers (counted, logged); the operator then re-issues it', async () => {
    await op?.stop()
    op = undefined
    try {
      await refusedThenRepaired()
    } finally {
      op ??= await start('tls-2')
    }
  }, 300_000)

  async function refusedThenRepaired (): Promise<void> {
    {
      const ip = await ipOf('secure-2')
      const foreign = await loopbackCertificate(await testCa('foreign-ca'), 'secure-2', [ip])
      const patched = await cluster.kubectl(['-n', cluster.namespace, 'patch', 'secret', 'secure-2-tls', '--type=merge', '-p', JSON.stringify({ data: { 'tls.crt': Buffer.from(foreign.certPem).toString('base64'), 'tls.key': Buffer.from(foreign.keyPem).toString('base64') } })])
      expect(patched.code).toBe(0)
      const foreignFp = certificateFacts(foreign.certPem).fingerprint256
      await waitFor('secure-2 serves the foreign certificate', async () => (await presentedCertificate(`https://${ip}:8080/`)).fingerprint256 === foreignFp, { timeoutMs: 60_000, intervalMs: 500 })
      const token = await api.token(NET)
      for (const node of NODES.slice(0, 2)) expect((await nodeApi(node, '/api/lattice/sync/switch?mode=http', { method: 'POST', token })).status).toBe(200)
      const url = `https://${ip}:8080`
      for (const node of NODES.slice(0, 2)) {
        await waitFor(`${node} refuses secure-2 (metric)`, async () => metricValue((await nodeApi<string>(node, '/metrics')).body, 'lattice_http_sync_tls_rejected_total', { reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }) >= 1, { timeoutMs: 60_000, intervalMs: 500 })
        await waitFor(`${node} logs the refusal with secure-2's URL`, () => cluster.podLogs(node).split('\n').some(l => l.includes('lattice node certificate refused') && l.includes(url) && l.includes('"level":"warn"')), { timeoutMs: 30_000, intervalMs: 500 })
      }
      // the operator comes back and replaces the certificate (signer mismatch); the refusals stop
      op = await start('tls-2')
      await waitFor('secure-2 serves a certificate of the network CA again', async () => {
        const current = pem(await secret('secure-2-tls'), 'tls.crt')
        return signedBy(current, pem(await secret(`${NET}-tls-ca`), 'tls.crt')) && (await presentedCertificate(`${url}/`)).fingerprint256 === certificateFacts(current).fingerprint256
      }, { timeoutMs: 60_000, intervalMs: 500 })
      const refusedBefore = metricValue((await nodeApi<string>('secure-0', '/metrics')).body, 'lattice_http_sync_tls_rejected_total', { reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })
      const rounds = async (): Promise<number> => metricValue((await nodeApi<string>('secure-0', '/metrics')).body, 'lattice_http_sync_rounds_total')
      const roundsBefore = await rounds()
      await waitFor('more https rounds from secure-0', async () => await rounds() >= roundsBefore + 4, { timeoutMs: 60_000, intervalMs: 500 })
      expect(metricValue((await nodeApi<string>('secure-0', '/metrics')).body, 'lattice_http_sync_tls_rejected_total', { reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })).toBe(refusedBefore)
      for (const node of NODES.slice(0, 2)) expect((await nodeApi(node, '/api/lattice/sync/switch?mode=auto', { method: 'POST', token })).status).toBe(200)
      await waitSettled(api, NET, 3)
    }
  }

  it('rotates the CA and every node certificate while records are written: Ready throughout, 0 records lost, no restart', async () => {
    const token = await api.token(NET)
    const oldCa = pem(await secret(`${NET}-tls-ca`), 'tls.crt')
    const podUids = new Map((await api.pods(NET)).map(p => [p.metadata?.name ?? '', p.metadata?.uid ?? '']))
    // writes before, during and after the rotation, round-robin over the nodes; every 201 is kept
    const acked: string[] = []
    const failures: string[] = []
    const notReady: string[] = []
    let writing = true
    let i = 0
    const writer = (async () => {
      while (writing) {
        const node = NODES[i % 3]
        i++
        const res = await nodeApi<{ id: string }>(node, '/api/lattice/records', { body: { key: `rot-${i}`, payload: { i } }, token }).catch((err: Error) => ({ status: 0, body: { id: err.message } }))
        if (res.status === 201) acked.push(res.body.id)
        else failures.push(`${node}: ${res.status} ${res.body.id}`)
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    })()
    const watcher = (async () => {
      while (writing) {
        const net = await api.network(NET).catch(() => undefined)
        const ready = net?.status?.conditions?.find(c => c.type === 'Ready')
        if (ready?.status !== 'True') notReady.push(`${new Date().toISOString()} ${ready?.reason ?? '?'}`)
        await new Promise(resolve => setTimeout(resolve, 250))
      }
    })()
    try {
      await rotateUnderLoad()
    } finally {
      writing = false
      await writer
      await watcher
    }

    async function rotateUnderLoad (): Promise<void> {
    await waitFor('records before the rotation', () => acked.length >= 20, { timeoutMs: 60_000, intervalMs: 200 })
    const annotate = await cluster.kubectl(['-n', cluster.namespace, 'annotate', '--overwrite', 'lnet', NET, 'lattice.diotec360.com/rotate-ca=test-1'])
    expect(annotate.code).toBe(0)
    // step 1: the new CA, the old one kept as previous.crt, both in the trust bundle
    const newCa = await waitFor('a new CA with the old one kept', async () => {
      const s = await secret(`${NET}-tls-ca`)
      return pem(s, 'tls.crt') !== oldCa && pem(s, 'previous.crt') === oldCa ? pem(s, 'tls.crt') : undefined
    }, { timeoutMs: 60_000, intervalMs: 200 })
    // step 2: every node certificate re-issued by the new CA and served by the node
    for (const node of NODES) {
      await waitFor(`${node} serves a certificate of the new CA`, async () => {
        const current = pem(await secret(`${node}-tls`), 'tls.crt')
        return signedBy(current, newCa) && (await presentedCertificate(`https://${await ipOf(node)}:8080/`)).fingerprint256 === certificateFacts(current).fingerprint256
      }, { timeoutMs: 90_000, intervalMs: 500 })
    }
    // step 3: the old CA leaves the bundle
    await waitFor('previous CA dropped from the Secret and the trust bundle', async () => {
      const s = await secret(`${NET}-tls-ca`)
      return s.data?.['previous.crt'] === undefined && (await trust()) === newCa.trim() + '\n'
    }, { timeoutMs: 60_000, intervalMs: 500 })
    const during = acked.length
    await waitFor('records after the rotation', () => acked.length >= during + 20, { timeoutMs: 60_000, intervalMs: 200 })
    }

    expect(failures).toEqual([])
    expect(notReady).toEqual([])
    // 0 lost: every acknowledged record on every node, one root
    await waitFor('every node has every acknowledged record', async () => {
      const states = await Promise.all(NODES.map(async n => (await nodeApi<State>(n, '/api/lattice/state')).body))
      return states.every(s => s.merkle_root === states[0].merkle_root && s.record_count >= acked.length)
    }, { timeoutMs: 120_000, intervalMs: 500 })
    for (const node of NODES) {
      for (const id of acked) {
        const got = await nodeApi(node, `/api/lattice/records/${id}`, { token })
        if (got.status !== 200) throw new Error(`record ${id} missing on ${node}`)
      }
    }
    // the nodes reloaded their files: same pods, no container restart
    for (const p of await api.pods(NET)) {
      expect(p.metadata?.uid).toBe(podUids.get(p.metadata?.name ?? ''))
      expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(0)
      expect(podReady(p)).toBe(true)
    }
    // the old CA is refused now: a client trusting only it cannot talk to the nodes
    await expect(request(`https://${await ipOf('secure-0')}:8080/readyz`, { ca: oldCa })).rejects.toThrow()
    console.log(`tls rotation: ${acked.length} records acknowledged before/during/after, 0 lost, Ready throughout`)
  }, 420_000)
})
