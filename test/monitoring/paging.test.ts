// Paging end to end on the local cluster: the chart installs the operator (run by the local kubelet) and
// its ServiceMonitor, PodMonitor, PrometheusRule and dashboard ConfigMap (prometheus-operator's own CRDs
// installed first); a LatticeNetwork runs real lattice-node pods; a real Prometheus scrapes both through
// kubernetes_sd_configs (manifests/monitoring/prometheus-scrape.yaml, checked to select what the
// ServiceMonitor and PodMonitor select) and evaluates the PrometheusRule read back from the API server
// (its `for:` shortened by the test values); a real Alertmanager delivers with the example route to a
// webhook receiver on 127.0.0.1.
// One cluster and one monitoring stack for every scenario; the tests run in order. Each dumps
// Prometheus' alerts, the notifications received and the namespace when it fails.
import { freePort, registerDump, waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useCluster } from '../cluster/harness.js'
import { startNodeProcess, prepareIdentity, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { Api, kubectlApply, networkManifest, nodePost, waitSettled } from '../operator/helpers.js'
import {
  monitoringCrdsDir, startAlertmanager, startPrometheus, startWebhookReceiver,
  type RuleFile, type RunningPrometheus, type RunningServer, type WebhookAlert, type WebhookReceiver
} from './stack.js'
import { repoRoot } from './repo-root.js'

const ROOT = repoRoot()
const RELEASE = 'lattice-operator'
const NET = 'ledger'
const SITE_NET = 'aethel'
const SYNC = { mode: 'auto', heartbeatIntervalSeconds: 1, peerlessTimeoutSeconds: 4, httpPollIntervalSeconds: 1 }
const RUNBOOKS = 'https://github.com/diotec360/lattice/blob/main/docs/runbooks/'

interface Panel { title: string, targets: Array<{ expr: string, refId: string }> }

describe('paging: Prometheus scrapes, rules fire, Alertmanager delivers', () => {
  const cluster = useCluster({ shared: false, controllerManager: true }, 'paging')
  let api: Api
  let dir = ''
  let webhook: WebhookReceiver | undefined
  let alertmanager: RunningServer | undefined
  let prom: RunningPrometheus | undefined
  const external: NodeProcess[] = []

  // A failing test's output shows these besides the namespace and the external nodes' logs (the kit's jest environment).
  registerDump({ name: 'prometheus alerts', dump: async () => await prom?.dumpAlerts() ?? '(no prometheus)' })
  registerDump({ name: 'webhook notifications', dump: () => (webhook?.alerts() ?? []).map(a => `${a.receiver} ${a.status} ${JSON.stringify(a.labels)}`).join('\n') })
  registerDump({ name: 'prometheus log', dump: () => prom?.process.tail(3000) ?? '' })
  registerDump({ name: 'alertmanager log', dump: () => alertmanager?.process.tail(2000) ?? '' })
  const requireProm = (): RunningPrometheus => { if (prom === undefined) throw new Error('prometheus did not start'); return prom }
  const requireHook = (): WebhookReceiver => { if (webhook === undefined) throw new Error('webhook receiver did not start'); return webhook }

  const notificationsSoFar = (): number => requireHook().notifications.length
  /** The first alert of `alertname` with `status` whose labels include `labels`, among the notifications after index `since`. */
  const notifiedAfter = async (since: number, alertname: string, status: 'firing' | 'resolved', labels: Record<string, string>, timeoutMs = 120_000): Promise<WebhookAlert & { receiver: string }> =>
    await waitFor(`${alertname} ${status} ${JSON.stringify(labels)} at the webhook (new)`, () => requireHook().notifications.slice(since)
      .flatMap(n => n.alerts.map(a => ({ ...a, receiver: n.receiver })))
      .find(a => a.labels.alertname === alertname && a.status === status && Object.entries(labels).every(([k, v]) => a.labels[k] === v)), { timeoutMs, intervalMs: 250 })

  const nodeIp = async (net: string, name: string): Promise<string> => {
    const n = (await api.nodes(net)).find(x => x.metadata.name === name)
    const ip = n?.status?.podIP
    if (ip === undefined) throw new Error(`${name} has no pod IP`)
    return ip
  }
  const operatorPodIp = async (): Promise<string> => {
    const pods = await api.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: 'app.kubernetes.io/name=lattice-operator' })
    const ip = pods.items.find(p => p.status?.phase === 'Running')?.status?.podIP
    if (ip === undefined) throw new Error('no running operator pod')
    return ip
  }

  beforeAll(async () => {
    api = new Api(cluster)
    dir = mkdtempSync(join(tmpdir(), 'lattice-paging-'))
    const processes = cluster.controlPlane?.processes
    if (processes === undefined) throw new Error('the paging suite needs its own control plane')
    const crds = monitoringCrdsDir()
    for (const args of [['apply', '--server-side', '-f', crds], ['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]]) {
      const r = await cluster.kubectl(args)
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`)
    }
    const install = await cluster.helm(['install', RELEASE, join(ROOT, 'charts/lattice-operator'), '-n', cluster.namespace,
      '-f', join(ROOT, 'test/monitoring/values-local.yaml'), '--set-json', `operator.extraArgs=["--kubeconfig=${cluster.kubeconfigPath}"]`], { timeoutMs: 120_000 })
    if (install.code !== 0) throw new Error(`helm install: ${install.stderr}`)
    // What prometheus-operator would put in Prometheus' rule file: the installed PrometheusRule's spec.
    const rule = await cluster.kubectl(['-n', cluster.namespace, 'get', 'prometheusrule', RELEASE, '-o', 'json'])
    if (rule.code !== 0) throw new Error(`get prometheusrule: ${rule.stderr}`)
    const rules = (JSON.parse(rule.stdout) as { spec: RuleFile }).spec
    webhook = await startWebhookReceiver()
    alertmanager = await startAlertmanager(processes, dir, webhook.url)
    prom = await startPrometheus(processes, dir, { kubeconfig: cluster.kubeconfigPath, rules, alertmanager: alertmanager.url })
    await kubectlApply(cluster, networkManifest(NET, { replicas: 3, sync: SYNC }))
  }, 240_000)

  afterAll(async () => {
    for (const n of external) await n.stop().catch(() => null)
    await prom?.stop()
    await alertmanager?.stop()
    await webhook?.close()
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it('Prometheus discovers and scrapes the operator and every node pod (kubernetes_sd_configs, role pod)', async () => {
    await waitSettled(api, NET, 3)
    const p = requireProm()
    await waitFor('1 operator and 3 node targets up', async () => {
      const targets = await p.targets()
      const up = (job: string): number => targets.filter(t => t.labels.job === job && t.health === 'up').length
      return up('lattice-operator') === 1 && up('lattice-node') === 3
    }, { timeoutMs: 60_000, intervalMs: 500 })
    // The scrape jobs select exactly the pods the installed ServiceMonitor and PodMonitor select.
    const selector = (labels: Record<string, string>): string => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')
    const podIps = async (labels: Record<string, string>): Promise<string[]> =>
      (await api.core.listPodForAllNamespaces({ labelSelector: selector(labels) })).items.filter(x => x.status?.phase === 'Running').map(x => x.status?.podIP ?? '').sort()
    const monitor = async <T>(kind: string): Promise<T> => {
      const r = await cluster.kubectl(['-n', cluster.namespace, 'get', kind, '-o', 'json'])
      if (r.code !== 0) throw new Error(`get ${kind}: ${r.stderr}`)
      const items = (JSON.parse(r.stdout) as { items: T[] }).items
      if (items.length !== 1) throw new Error(`${items.length} ${kind} objects`)
      return items[0] as T
    }
    const sm = await monitor<{ spec: { selector: { matchLabels: Record<string, string> } } }>('servicemonitors')
    const services = await api.core.listNamespacedService({ namespace: cluster.namespace, labelSelector: selector(sm.spec.selector.matchLabels) })
    expect(services.items.length).toBe(1)
    const pm = await monitor<{ spec: { selector: { matchLabels: Record<string, string> } } }>('podmonitors')
    const targetIps = async (job: string): Promise<string[]> => (await p.targets()).filter(t => t.labels.job === job).map(t => t.labels.instance?.replace(/:\d+$/, '') ?? '').sort()
    expect(await targetIps('lattice-operator')).toEqual(await podIps(services.items[0]?.spec?.selector ?? { none: 'none' }))
    expect(await targetIps('lattice-node')).toEqual(await podIps(pm.spec.selector.matchLabels))

    // The nodes' own series carry the labels of the operator's per-node series.
    const want = [
      `lattice-node ${NET}-0 2`, `lattice-node ${NET}-1 2`, `lattice-node ${NET}-2 2`,
      `lattice-operator ${NET}-0 2`, `lattice-operator ${NET}-1 2`, `lattice-operator ${NET}-2 2`
    ]
    let seen: string[] = []
    await waitFor('lattice_node_peers 2 for every node from both jobs', async () => {
      const r = await p.query(`lattice_node_peers{namespace="${cluster.namespace}",network="${NET}"}`)
      seen = r.map(s => `${s.metric.job} ${s.metric.node} ${s.value[1]}`).sort()
      return JSON.stringify(seen) === JSON.stringify(want)
    }, { timeoutMs: 60_000, intervalMs: 500 }).catch((err: Error) => { throw new Error(`${err.message}\nlast: ${JSON.stringify(seen)}`) })
  }, 300_000)

  it('promtool check metrics is clean on the real /metrics of a node and of the operator', async () => {
    const token = await api.token(NET)
    // a write, so the histograms and labelled counters have series
    expect((await nodePost(await nodeIp(NET, `${NET}-0`), 8080, '/api/lattice/records', token, { key: 'lint', payload: { n: 1 } })).status).toBe(201)
    const exported = new Set<string>()
    for (const url of [`http://${await nodeIp(NET, `${NET}-1`)}:8080/metrics`, `http://${await operatorPodIp()}:8080/metrics`]) {
      const text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text()
      expect(text).toContain('lattice_')
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
      expect({ url, status: r.status, out: `${r.stdout}${r.stderr}` }).toEqual({ url, status: 0, out: '' })
      for (const m of text.matchAll(/^# TYPE (lattice_\w+) /gm)) exported.add(m[1] ?? '')
    }
    // docs/metrics.md documents exactly what the two programs export.
    const documented = [...readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8').matchAll(/^\| `(lattice_\w+)` \|/gm)].map(m => m[1] ?? '')
    expect([...documented].sort()).toEqual([...exported].sort())
  }, 60_000)

  it('every rule expression evaluates without error', async () => {
    const p = requireProm()
    const rules = await waitFor('every rule evaluated', async () => {
      const list = await p.rules()
      return list.length > 0 && list.every(r => r.health !== 'unknown') ? list : undefined
    }, { timeoutMs: 30_000, intervalMs: 500 })
    expect(rules.map(r => ({ name: r.name, health: r.health, lastError: r.lastError ?? '' }))).toEqual(rules.map(r => ({ name: r.name, health: 'ok', lastError: '' })))
    for (const r of rules) await p.query(r.query)
  }, 60_000)

  it('every Grafana panel\'s query returns data while the network runs', async () => {
    const p = requireProm()
    const token = await api.token(NET)
    const ip = await nodeIp(NET, `${NET}-0`)
    // the dashboard as the Grafana sidecar would load it: from the chart's ConfigMap
    const cm = await api.core.readNamespacedConfigMap({ name: `${RELEASE}-dashboard`, namespace: cluster.namespace })
    const dashboard = JSON.parse(cm.data?.['lattice-network-overview.json'] ?? '{}') as { panels: Panel[] }
    // The variables as Grafana's "All" sends them; the rate window of a 1 s scrape interval.
    const concrete = (expr: string): string => expr.replaceAll('$namespace', '.+').replaceAll('$network', '.+')
      .replaceAll('$__rate_interval', '1m').replaceAll('$__range', '15m')
    const queries = dashboard.panels.flatMap(panel => panel.targets.map(t => ({ panel: panel.title, ref: t.refId, expr: concrete(t.expr) })))
    expect(queries.length).toBeGreaterThanOrEqual(12)
    const empty = await waitFor('every panel query to return data', async () => {
      // writes keep the propagation histogram and the ingest rate moving
      for (let i = 0; i < 5; i++) await nodePost(ip, 8080, '/api/lattice/records', token, { key: `panel-${Date.now()}-${i}`, payload: { i } })
      const missing: string[] = []
      for (const q of queries) {
        const r = await p.query(q.expr)
        if (!r.some(s => Number.isFinite(Number(s.value[1])))) missing.push(`${q.panel} ${q.ref}: ${q.expr}`)
      }
      return missing.length === 0 ? [] : undefined
    }, { timeoutMs: 120_000, intervalMs: 1000 }).catch(async (err: Error) => {
      const still: string[] = []
      for (const q of queries) if ((await p.query(q.expr)).length === 0) still.push(`${q.panel} ${q.ref}: ${q.expr}`)
      throw new Error(`${err.message}\nwithout data:\n${still.join('\n')}`)
    })
    expect(empty).toEqual([])
  }, 180_000)

  it('P2P cut on one node: the LatticeNode shows HTTP; LatticeP2PPeerLoss reaches the webhook (warning, the node\'s labels, runbook_url), then resolved', async () => {
    const token = await api.token(NET)
    const node = `${NET}-1`
    const ip = await nodeIp(NET, node)
    const since = notificationsSoFar()
    expect((await nodePost(ip, 8080, '/api/lattice/sync/p2p?enabled=false', token)).status).toBe(200)
    await waitFor(`${node} mode HTTP, peers 0`, async () => {
      const n = (await api.nodes(NET)).find(x => x.metadata.name === node)
      return n?.status?.mode === 'HTTP' && n.status.peerCount === 0 && n.status.httpSyncEnabled === true
    }, { timeoutMs: 60_000, intervalMs: 500 })
    const firing = await notifiedAfter(since, 'LatticeP2PPeerLoss', 'firing', { node })
    expect(firing.receiver).toBe('lattice-chat')
    expect(firing.labels).toMatchObject({ severity: 'warning', namespace: cluster.namespace, network: NET, node, job: 'lattice-operator' })
    expect(firing.annotations.runbook_url).toBe(`${RUNBOOKS}LatticeP2PPeerLoss.md`)
    expect(firing.annotations.description).toContain(`${cluster.namespace}/${node} of network ${NET}`)
    expect(firing.annotations.summary).toBe('Lattice node has no P2P peers.')
    // Paged once: the node's own lattice_node_peers series (job lattice-node) does not duplicate it.
    expect(requireHook().notifications.slice(since).flatMap(n => n.alerts).filter(a => a.labels.alertname === 'LatticeP2PPeerLoss' && a.status === 'firing' && a.labels.node === node).every(a => a.labels.job === 'lattice-operator')).toBe(true)

    expect((await nodePost(ip, 8080, '/api/lattice/sync/p2p?enabled=true', token)).status).toBe(200)
    const resolved = await notifiedAfter(since, 'LatticeP2PPeerLoss', 'resolved', { node })
    expect(resolved.labels).toMatchObject({ severity: 'warning', namespace: cluster.namespace, network: NET, node })
    expect(Date.parse(resolved.endsAt)).toBeGreaterThan(Date.parse(resolved.startsAt))
    await waitSettled(api, NET, 3, { timeoutMs: 120_000 })
  }, 300_000)

  it('one node cut from P2P and HTTP: LatticeHTTPSyncFailure fires (critical, to the pager); its ledger diverges meanwhile: LatticeStateDivergence fires (critical); both resolve after repair', async () => {
    const token = await api.token(NET)
    const node = `${NET}-2`
    const ip = await nodeIp(NET, node)
    const since = notificationsSoFar()
    // No sync at all: libp2p stopped and the p2p-only setting (which never polls HTTP).
    expect((await nodePost(ip, 8080, '/api/lattice/sync/switch?mode=p2p', token)).status).toBe(200)
    expect((await nodePost(ip, 8080, '/api/lattice/sync/p2p?enabled=false', token)).status).toBe(200)
    const httpFailure = await notifiedAfter(since, 'LatticeHTTPSyncFailure', 'firing', { node })
    expect(httpFailure.receiver).toBe('lattice-pager')
    expect(httpFailure.labels).toMatchObject({ severity: 'critical', namespace: cluster.namespace, network: NET, node })
    expect(httpFailure.annotations.runbook_url).toBe(`${RUNBOOKS}LatticeHTTPSyncFailure.md`)

    // Records written on the isolated node make its ledger differ from the other two.
    for (let i = 0; i < 3; i++) expect((await nodePost(ip, 8080, '/api/lattice/records', token, { key: `diverge-${i}`, payload: { i } })).status).toBe(201)
    const diverged = await notifiedAfter(since, 'LatticeStateDivergence', 'firing', { node })
    expect(diverged.receiver).toBe('lattice-pager')
    expect(diverged.labels).toMatchObject({ severity: 'critical', namespace: cluster.namespace, network: NET, node })
    expect(diverged.annotations.runbook_url).toBe(`${RUNBOOKS}LatticeStateDivergence.md`)
    expect(diverged.annotations.description).toContain(`${cluster.namespace}/${node}`)

    // Repair: sync back on; its records reach the others and every root agrees again.
    expect((await nodePost(ip, 8080, '/api/lattice/sync/p2p?enabled=true', token)).status).toBe(200)
    expect((await nodePost(ip, 8080, '/api/lattice/sync/switch?mode=auto', token)).status).toBe(200)
    await notifiedAfter(since, 'LatticeHTTPSyncFailure', 'resolved', { node })
    await notifiedAfter(since, 'LatticeStateDivergence', 'resolved', { node })
    await waitSettled(api, NET, 3, { timeoutMs: 120_000 })
  }, 300_000)

  it('three sites (one in the cluster, two external node processes): a diverged external site fires LatticeStateDivergence and resolves after repair', async () => {
    const sites = join(dir, 'sites')
    mkdirSync(sites, { recursive: true })
    const site = async (name: string): Promise<{ name: string, dataDir: string, peerId: string, httpPort: number, p2pPort: number }> => {
      const dataDir = join(sites, name)
      return { name, dataDir, peerId: await prepareIdentity(dataDir), httpPort: await freePort(), p2pPort: await freePort() }
    }
    const b = await site('site-b')
    const c = await site('site-c')
    const z = await site('site-z')
    const addr = (s: { p2pPort: number, peerId: string }): string => `/ip4/127.0.0.1/tcp/${s.p2pPort}/p2p/${s.peerId}`
    const url = (s: { httpPort: number }): string => `http://127.0.0.1:${s.httpPort}`
    await kubectlApply(cluster, networkManifest(SITE_NET, {
      replicas: 1,
      sync: SYNC,
      externalPeers: [{ name: b.name, multiaddr: addr(b), url: url(b) }, { name: c.name, multiaddr: addr(c), url: url(c) }]
    }))
    const inCluster = await waitFor(`${SITE_NET}-0 up with a peer ID`, async () => {
      const n = (await api.nodes(SITE_NET))[0]
      return n?.status?.up === true && n.status.peerId !== undefined && n.status.podIP !== undefined ? { peerId: n.status.peerId, ip: n.status.podIP } : undefined
    }, { timeoutMs: 120_000, intervalMs: 500 })
    const secret = await api.core.readNamespacedSecret({ name: `${SITE_NET}-secrets`, namespace: cluster.namespace })
    const pskFile = join(sites, 'swarm.key')
    writeFileSync(pskFile, Buffer.from(secret.data?.psk ?? '', 'base64'), { mode: 0o600 })
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString()
    const inClusterAddr = `/ip4/${inCluster.ip}/tcp/9000/p2p/${inCluster.peerId}`
    const timings = { AETHEL_HEARTBEAT_INTERVAL: '1', AETHEL_PEERLESS_TIMEOUT: '4', AETHEL_HTTP_POLL_INTERVAL: '1' }
    const startSite = async (s: typeof b, others: Array<typeof b>, members: string[]): Promise<NodeProcess> => await startNodeProcess({
      dataDir: s.dataDir, httpPort: s.httpPort, p2pPort: s.p2pPort, token, pskFile,
      env: { ...timings, AETHEL_P2P_BOOTSTRAP: [inClusterAddr, ...others.map(addr)].join(','), AETHEL_LATTICE_NODES: [`http://${inCluster.ip}:8080`, ...others.map(url)].join(','), ...(members.length > 0 ? { AETHEL_MEMBERS: members.join(',') } : {}) }
    })
    // site-b also accepts records of a fourth origin, site-z, that nobody else knows.
    let siteB = await startSite(b, [c], [z.peerId])
    external.push(siteB)
    const siteC = await startSite(c, [b], [])
    external.push(siteC)
    await waitFor('three sites connected, one root, external peers judged in sync', async () => {
      const net = await api.network(SITE_NET)
      const roots = new Set([net?.status?.merkleRoot, (await siteB.api<{ merkle_root: string }>('/api/lattice/state')).body.merkle_root, (await siteC.api<{ merkle_root: string }>('/api/lattice/state')).body.merkle_root])
      return net?.status?.peers === 2 && roots.size === 1 && net.status.readyReplicas === 1 &&
        (await requireProm().query(`lattice_node_diverged{namespace="${cluster.namespace}",network="${SITE_NET}",node=~"site-b|site-c"} == 0`)).length === 2
    }, { timeoutMs: 120_000, intervalMs: 500 })

    // site-z writes one record and delivers it to site-b over HTTP sync: site-b's ledger now holds a
    // record the other two refuse (not a member), so its root differs from theirs for good.
    const siteZ = await startNodeProcess({ dataDir: z.dataDir, httpPort: z.httpPort, p2pPort: z.p2pPort, token, env: { ...timings, AETHEL_P2P_ENABLED: 'false', AETHEL_SYNC_MODE: 'http', AETHEL_LATTICE_NODES: url(b), AETHEL_MEMBERS: b.peerId } })
    external.push(siteZ)
    expect((await siteZ.api('/api/lattice/records', { method: 'POST', body: { key: 'fork', payload: { from: 'site-z' } } })).status).toBe(201)
    const since = notificationsSoFar()
    const diverged = await notifiedAfter(since, 'LatticeStateDivergence', 'firing', { network: SITE_NET, node: 'site-b' })
    expect(diverged.labels).toMatchObject({ severity: 'critical', namespace: cluster.namespace, network: SITE_NET, node: 'site-b' })
    expect(diverged.receiver).toBe('lattice-pager')
    expect(diverged.annotations.runbook_url).toBe(`${RUNBOOKS}LatticeStateDivergence.md`)
    // The in-cluster node's own verdict about site-b, scraped from its pod; site-c stays matched.
    await waitFor('the in-cluster node reports site-b diverged and site-c not', async () => {
      const r = await requireProm().query(`lattice_peer_diverged{namespace="${cluster.namespace}",network="${SITE_NET}"}`)
      const byPeer = Object.fromEntries(r.map(s => [s.metric.peer, s.value[1]]))
      return byPeer[b.peerId] === '1' && byPeer[c.peerId] === '0'
    }, { timeoutMs: 60_000, intervalMs: 500 })
    const net = await api.network(SITE_NET)
    expect(net?.status?.divergentNodes).toEqual(['site-b'])
    expect(net?.status?.conditions?.find(x => x.type === 'Diverged')).toMatchObject({ status: 'True', reason: 'StateDiverged' })

    // Repair: site-z goes; site-b's ledger is rebuilt from its peers (its data minus the database),
    // without the foreign member.
    await siteZ.stop()
    await siteB.stop()
    for (const f of ['ledger.db', 'ledger.db-wal', 'ledger.db-shm']) rmSync(join(b.dataDir, f), { force: true })
    siteB = await startSite(b, [c], [])
    external.splice(0, 1, siteB)
    await notifiedAfter(since, 'LatticeStateDivergence', 'resolved', { network: SITE_NET, node: 'site-b' })
    await waitFor('site-b back on the network root', async () => {
      const n = await api.network(SITE_NET)
      return n?.status?.divergentNodeCount === 0 && (await siteB.api<{ merkle_root: string }>('/api/lattice/state')).body.merkle_root === n.status.merkleRoot
    }, { timeoutMs: 60_000, intervalMs: 500 })
  }, 360_000)

  it('operator scaled to 0: LatticeOperatorDown fires (critical); scaled back, it resolves', async () => {
    const since = notificationsSoFar()
    const scale = async (n: number): Promise<void> => {
      const r = await cluster.kubectl(['-n', cluster.namespace, 'scale', `deployment/${RELEASE}`, `--replicas=${n}`])
      if (r.code !== 0) throw new Error(`kubectl scale: ${r.stderr}`)
    }
    await scale(0)
    const down = await notifiedAfter(since, 'LatticeOperatorDown', 'firing', {})
    expect(down.receiver).toBe('lattice-pager')
    expect(down.labels).toMatchObject({ alertname: 'LatticeOperatorDown', severity: 'critical' })
    expect(down.annotations.runbook_url).toBe(`${RUNBOOKS}LatticeOperatorDown.md`)
    await scale(1)
    await notifiedAfter(since, 'LatticeOperatorDown', 'resolved', {})
  }, 240_000)
})
