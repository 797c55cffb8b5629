// The chart's RBAC is exactly what the operator uses, measured on a real API server: the chart is
// installed with the real helm (its CRDs too), two lattice-operator processes run as the release's
// ServiceAccount with leader election, and the operator's scenarios run against real node processes
// (the local kubelet): create, kubectl scale up and down (the scale subresource), a rollout, the
// NetworkPolicy switched off, a PVC outside the operator's cache, leader hand-over, deletion. The
// kube-apiserver writes an audit log meanwhile; every (verb, resource) the ServiceAccount is granted
// must appear in it at least once and no request of it may be refused.
// Then namespace users: what the built-in view/edit roles (aggregated by the controller-manager) and
// the chart's own <release>-edit role really allow, with `kubectl auth can-i --as` and real requests.
import { sampleValue, waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { V1PolicyRule } from '@kubernetes/client-node'
import yaml from 'js-yaml'
import { useCluster } from '../cluster/harness.js'
import { httpGet } from '../cluster/http.js'
import { buildNetworkPolicy } from '../../operator/src/builders/network-policy.js'
import { latticeNetwork, withNetworkName, withSpec } from '../../packages/testkit/src/fixtures/index.js'
import { testCa } from '../../packages/testkit/src/node/index.js'
import { pemBlocks } from '../../node/src/tls/index.js'
import { Api, kubectlApply, mergePatchNetwork, networkManifest, podReady, waitSettled } from '../operator/helpers.js'
import { CHART } from './helm.js'
import { installRelease, mustSucceed, refusals, runReleaseOperator, type InstalledRelease, type RunningReleaseOperator } from './release-operator.js'

const OPS = 'lattice-system'
const NET = 'audited'
const SYNC = { mode: 'auto', heartbeatIntervalSeconds: 1, peerlessTimeoutSeconds: 4, httpPollIntervalSeconds: 1 }
const CRDS = ['latticenetworks.lattice.diotec360.com', 'latticenodes.lattice.diotec360.com']

interface AuditEvent {
  auditID: string
  stage: string
  verb: string
  user: { username: string }
  objectRef?: { resource?: string, subresource?: string, apiGroup?: string, namespace?: string, name?: string }
  responseStatus?: { code?: number }
  requestURI: string
}

/** `group/resource[/subresource]:verb` keys of a role's rules, and of its resourceNames (kept apart). */
function grantedKeys (rules: V1PolicyRule[]): string[] {
  const keys: string[] = []
  for (const r of rules) {
    for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) for (const v of r.verbs) keys.push(`${g}/${res}:${v}`)
  }
  return [...new Set(keys)].sort()
}

const auditKey = (e: AuditEvent): string =>
  `${e.objectRef?.apiGroup ?? ''}/${e.objectRef?.resource ?? ''}${e.objectRef?.subresource !== undefined ? `/${e.objectRef.subresource}` : ''}:${e.verb}`

describe('RBAC exactly as used: the audit log of the operator\'s scenarios', () => {
  const cluster = useCluster({
    shared: false,
    controllerManager: true,
    // The chart installs the CRDs (crds.enabled), as in production.
    crdsDir: false,
    controlPlane: {
      // Only ServiceAccounts' requests (the operator's, and the controller-manager's, filtered out below).
      audit: { rules: [{ level: 'Metadata', userGroups: ['system:serviceaccounts'] }, { level: 'None' }] },
      // Hardened clusters (and OpenShift) check that whoever sets blockOwnerDeletion may update the
      // owner's finalizers: the chart's finalizers rules are needed here.
      enableAdmissionPlugins: ['OwnerReferencesPermissionEnforcement']
    }
  }, 'rbac-audit')
  let tmp = ''
  let release: InstalledRelease | undefined
  const operators: RunningReleaseOperator[] = []
  let api: Api
  const operatorUser = (): string => `system:serviceaccount:${OPS}:${release?.serviceAccount ?? '?'}`

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lattice-rbac-audit-'))
    api = new Api(cluster)
    // Two replicas, leader election on; the local cluster has no DNS: address nodes by pod IP. The two
    // replicas run as processes below; an image the local kubelet does not know keeps the Deployment's
    // own pods from starting next to them.
    release = await installRelease(cluster, tmp, 'lattice-operator', OPS, ['replicaCount=2', 'operator.addressMode=podIP', 'operator.probeIntervalSeconds=1', 'image.repository=registry.invalid/not-run-here'])
    mustSucceed(await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map(c => `crd/${c}`)], { timeoutMs: 90_000 }), 'CRDs Established')
    for (const i of [0, 1]) operators.push(await runReleaseOperator(cluster, tmp, release, `lattice-operator-${i}`))
  }, 240_000)

  afterAll(async () => {
    for (const o of operators) await o.proc.stop(5000)
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true })
  }, 60_000)

  async function leaders (): Promise<RunningReleaseOperator[]> {
    const out: RunningReleaseOperator[] = []
    for (const o of operators) {
      if (o.proc.hasExited()) continue
      const m = await httpGet(`http://127.0.0.1:${o.metricsPort}/metrics`, 2000).catch(() => ({ status: 0, body: '' }))
      if (m.status === 200 && sampleValue(m.body, 'lattice_operator_is_leader') === 1) out.push(o)
    }
    return out
  }

  const kubectlNs = async (args: string[]): Promise<string> => mustSucceed(await cluster.kubectl(['-n', cluster.namespace, ...args]), args.join(' ')).stdout

  it('create: a 3-node network with pull secrets, a priority class and pod metadata converges', async () => {
    await waitFor('one leader', async () => (await leaders()).length === 1, { timeoutMs: 60_000, intervalMs: 250 })
    mustSucceed(await cluster.kubectl(['create', 'priorityclass', 'lattice-ledger', '--value=1000', '--description=Lattice ledger nodes']), 'priorityclass')
    // spec.tls: the serving certificates are patched (pod IP) and deleted (scale-down); the extra CA
    // bundle is read from a ConfigMap the operator does not label
    mustSucceed(await cluster.kubectl(['-n', cluster.namespace, 'create', 'configmap', 'partner-ca', `--from-literal=ca.crt=${(await testCa('partner sites')).certPem}`]), 'partner CA bundle')
    await kubectlApply(cluster, networkManifest(NET, {
      replicas: 3,
      sync: SYNC,
      tls: { mode: 'operator', caBundleRef: { name: 'partner-ca' } },
      imagePullSecrets: [{ name: 'regcred' }],
      priorityClassName: 'lattice-ledger',
      podTemplate: { metadata: { labels: { team: 'ledger' }, annotations: { 'example.com/owner': 'ledger-team' } } },
      networkPolicy: { allowedSources: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.7/32'] } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }
    }))
    await waitSettled(api, NET, 3)
    for (const p of await api.pods(NET)) {
      expect(p.spec?.imagePullSecrets).toEqual([{ name: 'regcred' }])
      expect(p.spec?.priorityClassName).toBe('lattice-ledger')
      // The API server's Priority admission resolved the class.
      expect(p.spec?.priority).toBe(1000)
      expect(p.metadata?.labels).toMatchObject({ team: 'ledger', 'lattice.diotec360.com/network': NET })
      expect(p.metadata?.annotations?.['example.com/owner']).toBe('ledger-team')
    }
    // the nodes trust the network's CA and the partner bundle
    expect(pemBlocks((await api.core.readNamespacedConfigMap({ name: `${NET}-tls-trust`, namespace: cluster.namespace })).data?.['ca.crt'] ?? '')).toHaveLength(2)
    const net = await api.network(NET)
    expect(net?.status?.selector).toBe(`lattice.diotec360.com/network=${NET},app.kubernetes.io/component=node`)
  }, 300_000)

  it('the nodes\' NetworkPolicy: the network\'s pods, the operator\'s pods and the allowed sources, on both ports', async () => {
    const policy = JSON.parse(await kubectlNs(['get', 'networkpolicy', `${NET}-nodes`, '-o', 'json'])) as { spec: { podSelector: unknown, policyTypes: string[], ingress: Array<{ from: unknown[], ports: unknown[] }> } }
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'lattice.diotec360.com/network': NET, 'app.kubernetes.io/component': 'node' } })
    expect(policy.spec.policyTypes).toEqual(['Ingress'])
    expect(policy.spec.ingress).toEqual([{
      from: [
        { podSelector: { matchLabels: { 'lattice.diotec360.com/network': NET, 'app.kubernetes.io/component': 'node' } } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': OPS } }, podSelector: { matchLabels: { 'app.kubernetes.io/component': 'operator', 'app.kubernetes.io/part-of': 'lattice' } } },
        { ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.7/32'] } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }
      ],
      ports: [{ protocol: 'TCP', port: 9000 }, { protocol: 'TCP', port: 8080 }]
    }])
    // The operator's pods as the chart runs them match the policy's operator peer.
    const podLabels = JSON.parse(mustSucceed(await cluster.kubectl(['get', 'deployment', '-n', OPS, 'lattice-operator', '-o', 'jsonpath={.spec.template.metadata.labels}']), 'deployment labels').stdout) as Record<string, string>
    expect(podLabels).toMatchObject({ 'app.kubernetes.io/component': 'operator', 'app.kubernetes.io/part-of': 'lattice' })
    // The builder's output in its wire form (the client's `_from` is `from`) passes the API server's validation.
    const built = buildNetworkPolicy(latticeNetwork(withNetworkName('dry'), withSpec({ networkPolicy: { allowedSources: [{ ipBlock: { cidr: '198.51.100.0/24' } }] } })), { operatorNamespace: OPS })
    const wire = JSON.stringify({ ...built, metadata: { ...built.metadata, namespace: cluster.namespace, ownerReferences: undefined } }).replaceAll('"_from":', '"from":')
    const dry = mustSucceed(await cluster.kubectl(['apply', '--dry-run=server', '-f', '-', '-o', 'json'], { input: wire }), 'apply --dry-run=server')
    expect((JSON.parse(dry.stdout) as { spec: { ingress: Array<{ from: unknown[] }> } }).spec.ingress[0]?.from).toHaveLength(3)
    // A changed source list is patched into the policy.
    await mergePatchNetwork(cluster, NET, { spec: { networkPolicy: { allowedSources: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.7/32'] } }] } } })
    await waitFor('policy with three peers', async () => {
      const p = JSON.parse(await kubectlNs(['get', 'networkpolicy', `${NET}-nodes`, '-o', 'json'])) as { spec: { ingress: Array<{ from: unknown[] }> } }
      return p.spec.ingress[0]?.from.length === 3
    }, { timeoutMs: 60_000, intervalMs: 500 })
  }, 120_000)

  it('kubectl scale lnet: the scale subresource moves spec.replicas and the node count follows, up and down', async () => {
    const scale = JSON.parse(await kubectlNs(['get', '--raw', `/apis/lattice.diotec360.com/v1alpha1/namespaces/${cluster.namespace}/latticenetworks/${NET}/scale`])) as { spec: { replicas: number }, status: { replicas: number, selector: string } }
    expect(scale).toMatchObject({ spec: { replicas: 3 }, status: { replicas: 3, selector: `lattice.diotec360.com/network=${NET},app.kubernetes.io/component=node` } })
    await kubectlNs(['scale', 'lnet', NET, '--replicas', '4'])
    expect((await api.network(NET))?.spec.replicas).toBe(4)
    await waitSettled(api, NET, 4)
    // A PVC the operator no longer sees (its managed-by label removed by hand) is still found on the
    // server when its node goes: with reclaimPolicy Retain it is orphaned, not collected.
    await kubectlNs(['label', 'pvc', `${NET}-3-data`, 'app.kubernetes.io/managed-by-'])
    await kubectlNs(['scale', 'lnet', NET, '--replicas=3'])
    await waitSettled(api, NET, 3)
    await waitFor(`${NET}-3 gone, its PVC kept without owner`, async () => {
      const nodes = await api.nodes(NET)
      const pvc = await api.core.readNamespacedPersistentVolumeClaim({ name: `${NET}-3-data`, namespace: cluster.namespace }).catch(() => undefined)
      return nodes.length === 3 && pvc !== undefined && (pvc.metadata?.ownerReferences ?? []).length === 0
    }, { timeoutMs: 120_000, intervalMs: 500 })
  }, 400_000)

  it('rollout: a changed pod label replaces the pods one at a time, Service annotations follow; the NetworkPolicy can be switched off', async () => {
    await mergePatchNetwork(cluster, NET, { spec: { podTemplate: { metadata: { labels: { team: 'ledger-2' } } }, service: { annotations: { 'example.com/lb': 'internal' } }, networkPolicy: { enabled: false } } })
    await waitSettled(api, NET, 3, { timeoutMs: 300_000 })
    const pods = await api.pods(NET)
    expect(pods.map(p => p.metadata?.labels?.team)).toEqual(['ledger-2', 'ledger-2', 'ledger-2'])
    for (const i of [0, 1, 2]) {
      await waitFor(`${NET}-${i} Service annotated`, async () => (await api.core.readNamespacedService({ name: `${NET}-${i}`, namespace: cluster.namespace })).metadata?.annotations?.['example.com/lb'] === 'internal', { timeoutMs: 60_000, intervalMs: 500 })
    }
    expect(pods.every(podReady)).toBe(true)
    await waitFor('NetworkPolicy removed', async () => (await cluster.kubectl(['-n', cluster.namespace, 'get', 'networkpolicy', `${NET}-nodes`])).stderr.includes('NotFound'), { timeoutMs: 60_000, intervalMs: 500 })
  }, 400_000)

  it('leader election: the leader stops, the other replica takes the Lease and reconciles; deletion cleans up', async () => {
    const [first] = await leaders()
    if (first === undefined) throw new Error('no leader')
    await first.proc.stop(10_000)
    const other = operators.find(o => o !== first)
    await waitFor('the other replica leads', async () => { const l = await leaders(); return l.length === 1 && l[0] === other }, { timeoutMs: 90_000, intervalMs: 250 })
    await kubectlNs(['scale', 'lnet', NET, '--replicas=2'])
    await waitSettled(api, NET, 2)
    mustSucceed(await cluster.kubectl(['-n', cluster.namespace, 'delete', 'lnet', NET, '--wait=false']), 'delete lnet')
    await waitFor('nodes and pods gone', async () => (await api.nodes(NET)).length === 0 && (await api.pods(NET)).length === 0, { timeoutMs: 180_000, intervalMs: 500 })
  }, 400_000)

  it('the audit log: every verb the ServiceAccount is granted was used, and nothing was refused', async () => {
    // Stop the operators so that their watches end and every request is in the log.
    for (const o of operators) await o.proc.stop(10_000)
    const auditLog = cluster.controlPlane?.auditLogPath ?? ''
    expect(auditLog).not.toBe('')
    const events = readFileSync(auditLog, 'utf8').split('\n').filter(l => l.trim() !== '')
      .map(l => JSON.parse(l) as AuditEvent)
      .filter(e => e.user.username === operatorUser() && e.objectRef?.resource !== undefined)
    expect(events.length).toBeGreaterThan(100)

    const refused = events.filter(e => e.responseStatus?.code === 403).map(e => `${auditKey(e)} ${e.requestURI}`)
    expect(refused).toEqual([])
    for (const o of operators) expect(refusals(o.proc)).toEqual([])

    const used = new Set(events.map(auditKey))
    const role = JSON.parse(mustSucceed(await cluster.kubectl(['get', 'clusterrole', 'lattice-operator', '-o', 'json']), 'clusterrole').stdout) as { rules: V1PolicyRule[] }
    const lease = JSON.parse(mustSucceed(await cluster.kubectl(['get', 'role', '-n', OPS, 'lattice-operator-leader-election', '-o', 'json']), 'lease role').stdout) as { rules: V1PolicyRule[] }
    // Grants that make no request of their own: the admission plugin checks them, finalizers update when
    // the operator sets blockOwnerDeletion (shown in the next test), PVC delete when it changes a PVC's
    // owner references (the orphaning in the scale-down above: without it that patch is refused with
    // "cannot set an ownerRef on a resource you can't delete").
    const authorizationOnly = ['lattice.diotec360.com/latticenetworks/finalizers:update', 'lattice.diotec360.com/latticenodes/finalizers:update', '/persistentvolumeclaims:delete']
    const granted = grantedKeys([...role.rules, ...lease.rules])
    expect(granted).toEqual(expect.arrayContaining(authorizationOnly))
    const unused = granted.filter(k => !used.has(k) && !authorizationOnly.includes(k))
    expect({ unused }).toEqual({ unused: [] })
    // And the other way round: nothing used that is not granted (it would have been a 403 above).
    expect([...used].filter(k => !granted.includes(k)).sort()).toEqual([])
    // The Lease requests named the one Lease (get/update) the Role limits them to.
    const leaseNames = new Set(events.filter(e => e.objectRef?.resource === 'leases' && e.verb !== 'create').map(e => e.objectRef?.name))
    expect([...leaseNames]).toEqual(['lattice-operator-leader'])
    process.stdout.write(`rbac-audit: ${events.length} audited requests by ${operatorUser()}, ${used.size} distinct (resource, verb) pairs, ${granted.length} granted, 0 refused\n`)
  }, 120_000)

  it('the finalizers grant is needed: without it, setting blockOwnerDeletion on a child is refused', async () => {
    await kubectlApply(cluster, networkManifest('owner', { replicas: 1 }))
    const uid = (await waitFor('owner stored', async () => (await api.network('owner'))?.metadata.uid, { timeoutMs: 30_000, intervalMs: 250 })) ?? ''
    const child = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owned-child', namespace: cluster.namespace, ownerReferences: [{ apiVersion: 'lattice.diotec360.com/v1alpha1', kind: 'LatticeNetwork', name: 'owner', uid, controller: true, blockOwnerDeletion: true }] }
    }
    const asOperator = await cluster.kubectl(['create', '--dry-run=server', '-f', '-', `--as=${operatorUser()}`], { input: yaml.dump(child) })
    expect({ code: asOperator.code, stderr: asOperator.stderr }).toEqual({ code: 0, stderr: '' })
    // A ServiceAccount with the same rights but the finalizers rule.
    mustSucceed(await cluster.kubectl(['create', 'serviceaccount', 'no-finalizers', '-n', cluster.namespace]), 'serviceaccount')
    mustSucceed(await cluster.kubectl(['create', 'role', 'no-finalizers', '-n', cluster.namespace, '--verb=create', '--resource=configmaps']), 'role')
    mustSucceed(await cluster.kubectl(['create', 'rolebinding', 'no-finalizers', '-n', cluster.namespace, '--role=no-finalizers', `--serviceaccount=${cluster.namespace}:no-finalizers`]), 'rolebinding')
    const without = await cluster.kubectl(['create', '--dry-run=server', '-f', '-', `--as=system:serviceaccount:${cluster.namespace}:no-finalizers`], { input: yaml.dump(child) })
    expect(without.code).not.toBe(0)
    expect(without.stderr).toMatch(/cannot set blockOwnerDeletion/)
  }, 120_000)
})

describe('namespace users: the aggregated view and edit roles', () => {
  const cluster = useCluster({ shared: false, kubelet: false, controllerManager: true, crdsDir: false }, 'rbac-users')
  const TEAM = 'ledger-team'

  beforeAll(async () => {
    mustSucceed(await cluster.helm(['install', 'lattice-operator', CHART, '-n', OPS, '--create-namespace'], { timeoutMs: 120_000 }), 'helm install')
    mustSucceed(await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map(c => `crd/${c}`)], { timeoutMs: 90_000 }), 'CRDs Established')
    mustSucceed(await cluster.kubectl(['create', 'namespace', TEAM]), 'namespace')
    // alice: Kubernetes' edit; bob: the chart's lattice edit role alone; carol: Kubernetes' view.
    for (const [user, role] of [['alice', 'edit'], ['bob', 'lattice-operator-edit'], ['carol', 'view']] as const) {
      mustSucceed(await cluster.kubectl(['create', 'rolebinding', user, '-n', TEAM, `--clusterrole=${role}`, `--user=${user}`]), `rolebinding ${user}`)
    }
    // A node's identity Secret, as the operator makes them (the operator does not run in this suite).
    mustSucceed(await cluster.kubectl(['create', 'secret', 'generic', 'aethel-0-identity', '-n', TEAM, '--from-literal=identity.key=secret']), 'secret')
    // The controller-manager's clusterrole-aggregation controller folds the chart's roles into edit and view.
    await waitFor('edit and view aggregate the Lattice rules', async () => {
      const rules = async (role: string): Promise<string> => (await cluster.kubectl(['get', 'clusterrole', role, '-o', 'jsonpath={.rules}'])).stdout
      return (await rules('edit')).includes('latticenetworks') && (await rules('view')).includes('latticenetworks')
    }, { timeoutMs: 60_000, intervalMs: 500 })
  }, 240_000)

  /** `resource` may name a subresource as resource/sub (kubectl would read it as an object name). */
  const canI = async (user: string, verb: string, resource: string): Promise<string> => {
    const [res = '', sub] = resource.split('/')
    return (await cluster.kubectl(['auth', 'can-i', verb, res, ...(sub !== undefined ? [`--subresource=${sub}`] : []), '-n', TEAM, `--as=${user}`])).stdout.trim()
  }

  it.each([
    // user, verb, resource, answer
    ['alice', 'create', 'latticenetworks.lattice.diotec360.com', 'yes'],
    ['alice', 'patch', 'latticenetworks.lattice.diotec360.com/scale', 'yes'],
    // Kubernetes' edit reads every Secret of the namespace, by design (it can run pods that mount them).
    ['alice', 'get', 'secrets', 'yes'],
    ['bob', 'create', 'latticenetworks.lattice.diotec360.com', 'yes'],
    ['bob', 'delete', 'latticenodes.lattice.diotec360.com', 'yes'],
    ['bob', 'patch', 'latticenetworks.lattice.diotec360.com/scale', 'yes'],
    ['bob', 'get', 'secrets', 'no'],
    ['bob', 'list', 'secrets', 'no'],
    ['bob', 'create', 'pods', 'no'],
    ['bob', 'patch', 'latticenetworks.lattice.diotec360.com/status', 'no'],
    ['carol', 'get', 'latticenetworks.lattice.diotec360.com', 'yes'],
    ['carol', 'list', 'latticenodes.lattice.diotec360.com', 'yes'],
    ['carol', 'create', 'latticenetworks.lattice.diotec360.com', 'no'],
    ['carol', 'get', 'secrets', 'no']
  ])('kubectl auth can-i --as %s %s %s: %s', async (user, verb, resource, answer) => {
    expect(await canI(user, verb, resource)).toBe(answer)
  })

  it('with the lattice edit role a user applies and scales a LatticeNetwork but cannot read the node Secrets; with Kubernetes\' edit they can', async () => {
    const net = yaml.dump(networkManifest('aethel', { replicas: 3 }))
    mustSucceed(await cluster.kubectl(['apply', '-n', TEAM, '-f', '-', '--as=bob'], { input: net }), 'apply as bob')
    mustSucceed(await cluster.kubectl(['scale', 'lnet', 'aethel', '--replicas=5', '-n', TEAM, '--as=bob']), 'scale as bob')
    expect((await cluster.kubectl(['get', 'lnet', 'aethel', '-n', TEAM, '-o', 'jsonpath={.spec.replicas}', '--as=bob'])).stdout).toBe('5')
    const refused = await cluster.kubectl(['get', 'secret', 'aethel-0-identity', '-n', TEAM, '--as=bob'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/forbidden/i)
    mustSucceed(await cluster.kubectl(['get', 'lnet', 'aethel', '-n', TEAM, '--as=carol']), 'get as carol')
    expect((await cluster.kubectl(['apply', '-n', TEAM, '-f', '-', '--as=carol'], { input: net })).stderr).toMatch(/forbidden/i)
    mustSucceed(await cluster.kubectl(['apply', '-n', TEAM, '-f', '-', '--as=alice'], { input: net }), 'apply as alice')
    mustSucceed(await cluster.kubectl(['get', 'secret', 'aethel-0-identity', '-n', TEAM, '--as=alice']), 'get secret as alice')
  }, 60_000)
})
