// The Helm chart with the real helm: lint, rendering for the default, cluster-wide, namespaced and HA
// values, the values schema, least-privilege RBAC, the PrometheusRule made from the one rules file, the
// chart's copies of the CRDs and rules, manifests/install.yaml and a golden rendering.
// (Applying the renderings to a real API server: cluster.test.ts.)
import { describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { V1Deployment, V1PolicyRule, V1Role, V1Service } from '@kubernetes/client-node'
import yaml from 'js-yaml'
import { CHART, NAMESPACE, ROOT, findObject, helm, parseManifests, render, runCommand, type K8sObject } from './helm.js'
import { nodeLabels } from '../../operator/src/builders/names.js'

/**
 * What the operator's code calls, written out independently of the chart: (group/resource) -> verbs.
 * rbac-audit.test.ts checks the same against the API server's audit log of a real run.
 */
const EXPECTED_RULES: Record<string, string[]> = {
  'lattice.diotec360.com/latticenetworks': ['list', 'watch'],
  'lattice.diotec360.com/latticenodes': ['create', 'delete', 'get', 'list', 'patch', 'watch'],
  'lattice.diotec360.com/latticenetworks/status': ['patch'],
  'lattice.diotec360.com/latticenodes/status': ['patch'],
  'lattice.diotec360.com/latticenetworks/finalizers': ['update'],
  'lattice.diotec360.com/latticenodes/finalizers': ['update'],
  '/pods': ['create', 'delete', 'list', 'watch'],
  '/services': ['create', 'list', 'patch', 'watch'],
  '/secrets': ['create', 'delete', 'get', 'list', 'patch', 'watch'],
  '/configmaps': ['create', 'get', 'list', 'patch', 'watch'],
  '/persistentvolumeclaims': ['create', 'delete', 'get', 'list', 'patch', 'watch'],
  '/events': ['create'],
  'policy/poddisruptionbudgets': ['create', 'list', 'patch', 'watch'],
  'networking.k8s.io/networkpolicies': ['create', 'delete', 'list', 'patch', 'watch']
}

/** Flattens rules to group/resource -> sorted verbs; fails on wildcards and resourceNames-free duplicates. */
function normalise (rules: V1PolicyRule[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const r of rules) {
    for (const g of r.apiGroups ?? []) {
      for (const res of r.resources ?? []) {
        const key = `${g}/${res}`
        out[key] = [...new Set([...(out[key] ?? []), ...r.verbs])].sort()
      }
    }
  }
  return out
}

function noWildcards (rules: V1PolicyRule[]): void {
  for (const r of rules) {
    expect([...(r.apiGroups ?? []), ...(r.resources ?? []), ...r.verbs]).not.toContain('*')
    expect(r.nonResourceURLs ?? []).toEqual([])
  }
}

function env (deployment: V1Deployment): Record<string, string | undefined> {
  const c = deployment.spec?.template.spec?.containers[0]
  return Object.fromEntries((c?.env ?? []).map(e => [e.name, e.value]))
}

function asDeployment (o: K8sObject): V1Deployment { return o as unknown as V1Deployment }
function asRole (o: K8sObject): V1Role { return o as unknown as V1Role }

describe('helm lint', () => {
  it.each([
    ['default', []],
    ['cluster-wide', ['--values', 'test/chart/values/cluster-wide.yaml']],
    ['namespaced', ['--values', 'test/chart/values/namespaced.yaml']],
    ['ha-monitoring', ['--values', 'test/chart/values/ha-monitoring.yaml']]
  ])('%s values lint clean (--strict)', (_name, extra) => {
    const r = helm(['lint', '--strict', CHART, ...extra.map(a => a.startsWith('test/') ? join(ROOT, a) : a)])
    expect(r.stdout + r.stderr).toContain('1 chart(s) linted, 0 chart(s) failed')
    expect(r.stdout + r.stderr).not.toMatch(/\[(WARNING|ERROR|INFO)\]/)
    expect(r.status).toBe(0)
  })
})

describe('default values (cluster-wide, one replica)', () => {
  const objects = parseManifests(render())

  it('renders exactly the operator objects', () => {
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/lattice-operator', 'ClusterRole/lattice-operator-edit', 'ClusterRole/lattice-operator-view',
      'ClusterRoleBinding/lattice-operator',
      'CustomResourceDefinition/latticenetworks.lattice.diotec360.com', 'CustomResourceDefinition/latticenodes.lattice.diotec360.com',
      'Deployment/lattice-operator', 'PodDisruptionBudget/lattice-operator',
      'Service/lattice-operator-metrics', 'ServiceAccount/lattice-operator'
    ])
    for (const o of objects.filter(o => !o.kind.startsWith('Cluster') && o.kind !== 'CustomResourceDefinition')) expect(o.metadata.namespace).toBe(NAMESPACE)
  })

  it('grants the least privilege the operator needs, cluster-wide, and nothing else', () => {
    const role = asRole(findObject(objects, 'ClusterRole', 'lattice-operator'))
    noWildcards(role.rules ?? [])
    expect(normalise(role.rules ?? [])).toEqual(Object.fromEntries(Object.entries(EXPECTED_RULES).map(([k, v]) => [k, [...v].sort()])))
    const binding = findObject(objects, 'ClusterRoleBinding') as unknown as { roleRef: { kind: string, name: string }, subjects: Array<{ kind: string, name: string, namespace: string }> }
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'lattice-operator' })
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'lattice-operator', namespace: NAMESPACE }])
  })

  it('adds cert-manager Certificates to the rules only with rbac.certManager (spec.tls.mode certManager)', () => {
    const withCm = normalise(asRole(findObject(parseManifests(render({ set: ['rbac.certManager=true'] })), 'ClusterRole', 'lattice-operator')).rules ?? [])
    expect(withCm['cert-manager.io/certificates']).toEqual(['create', 'delete', 'list', 'patch'])
    expect(normalise(asRole(findObject(objects, 'ClusterRole', 'lattice-operator')).rules ?? [])['cert-manager.io/certificates']).toBeUndefined()
  })

  it('runs one operator without leader election, never two at once', () => {
    const d = asDeployment(findObject(objects, 'Deployment'))
    expect(d.spec?.replicas).toBe(1)
    expect(d.spec?.strategy?.type).toBe('Recreate')
    expect(env(d)).toMatchObject({
      LATTICE_WATCH_NAMESPACE: '',
      LATTICE_LEADER_ELECT: 'false',
      LATTICE_LEADER_ELECTION_NAMESPACE: NAMESPACE,
      LATTICE_METRICS_ADDR: ':8080',
      LATTICE_HEALTH_ADDR: ':8081',
      LATTICE_PROBE_INTERVAL_SECONDS: '5',
      LATTICE_ADDRESS_MODE: 'dns',
      LATTICE_LOG_LEVEL: 'info'
    })
    expect(objects.some(o => o.kind === 'Role')).toBe(false)
  })

  it('uses the image lattice-operator:<appVersion> and the restricted pod security settings', () => {
    const chart = yaml.load(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string }
    const spec = asDeployment(findObject(objects, 'Deployment')).spec?.template.spec
    const c = spec?.containers[0]
    expect(c?.image).toBe(`lattice-operator:${chart.appVersion}`)
    expect(spec?.serviceAccountName).toBe('lattice-operator')
    expect(spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } })
    expect(spec?.securityContext?.runAsUser).toBeGreaterThan(0)
    expect(c?.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } })
    expect(c?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' })
    expect(c?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'health' })
    expect(c?.ports).toEqual([
      { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
      { name: 'health', containerPort: 8081, protocol: 'TCP' }
    ])
  })

  it('exposes metrics on a Service port named metrics that selects the operator pods', () => {
    const svc = findObject(objects, 'Service') as unknown as V1Service
    expect(svc.spec?.ports).toEqual([{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }])
    const podLabels = asDeployment(findObject(objects, 'Deployment')).spec?.template.metadata?.labels ?? {}
    expect(podLabels).toMatchObject(svc.spec?.selector ?? { missing: 'selector' })
  })
})

describe('cluster-wide values', () => {
  it('render the same objects as the defaults', () => {
    expect(render({ values: ['cluster-wide'] })).toBe(render())
  })
})

describe('namespaced values', () => {
  const objects = parseManifests(render({ values: ['namespaced'] }))

  it('gives a Role and RoleBinding in the watched namespace and the operator nothing cluster-wide', () => {
    // The only cluster-scoped RBAC: the view/edit roles aggregated for namespace users, bound to nobody.
    expect(objects.filter(o => o.kind.startsWith('Cluster')).map(o => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ClusterRole/lattice-operator-edit', 'ClusterRole/lattice-operator-view'])
    for (const ns of ['lattice-team-a']) {
      const role = asRole(findObject(objects, 'Role', 'lattice-operator', ns))
      noWildcards(role.rules ?? [])
      expect(normalise(role.rules ?? [])).toEqual(Object.fromEntries(Object.entries(EXPECTED_RULES).map(([k, v]) => [k, [...v].sort()])))
      const binding = findObject(objects, 'RoleBinding', 'lattice-operator', ns) as unknown as { roleRef: unknown, subjects: unknown }
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'lattice-operator' })
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'lattice-operator', namespace: NAMESPACE }])
    }
    expect(objects.filter(o => o.kind === 'Role').map(o => o.metadata.namespace).sort()).toEqual(['lattice-team-a'])
  })

  it('tells the operator which namespaces to watch', () => {
    expect(env(asDeployment(findObject(objects, 'Deployment'))).LATTICE_WATCH_NAMESPACE).toBe('lattice-team-a')
  })

  it('watches only the release namespace when no namespace is listed', () => {
    const objs = parseManifests(render({ set: ['rbac.clusterWide=false'], namespace: 'ledger-ops' }))
    expect(objs.filter(o => o.kind === 'Role').map(o => o.metadata.namespace)).toEqual(['ledger-ops'])
    expect(env(asDeployment(findObject(objs, 'Deployment'))).LATTICE_WATCH_NAMESPACE).toBe('ledger-ops')
  })

  it('refuses watchNamespaces with cluster-wide RBAC', () => {
    expect(() => render({ set: ['watchNamespaces={a}'] })).toThrow(/rbac.clusterWide=false/)
  })
})

describe('leader election', () => {
  it('is on with more than one replica, with a Lease Role in the release namespace only', () => {
    const objects = parseManifests(render({ set: ['replicaCount=3'] }))
    const d = asDeployment(findObject(objects, 'Deployment'))
    expect(env(d).LATTICE_LEADER_ELECT).toBe('true')
    expect(d.spec?.strategy?.type).toBe('RollingUpdate')
    const lease = asRole(findObject(objects, 'Role', 'lattice-operator-leader-election', NAMESPACE))
    // get/update only on the operator's Lease; create cannot be limited by name (the name is not known
    // to authorization on a create), so it is a rule of its own.
    expect(lease.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['lattice-operator-leader'], verbs: ['get', 'update'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] }
    ])
    findObject(objects, 'RoleBinding', 'lattice-operator-leader-election', NAMESPACE)
  })

  it('can be forced on for one replica', () => {
    const objects = parseManifests(render({ set: ['leaderElection.enabled=true'] }))
    expect(env(asDeployment(findObject(objects, 'Deployment'))).LATTICE_LEADER_ELECT).toBe('true')
  })

  it('cannot be switched off for several replicas', () => {
    expect(() => render({ set: ['replicaCount=2', 'leaderElection.enabled=false'] })).toThrow(/needs leader election/)
  })
})

describe('CRDs, image digest, PodDisruptionBudget, aggregated roles', () => {
  it('crds.enabled=false leaves the CRDs out; crds.keep=false drops the keep policy', () => {
    expect(parseManifests(render({ set: ['crds.enabled=false'] })).filter(o => o.kind === 'CustomResourceDefinition')).toEqual([])
    const unkept = parseManifests(render({ set: ['crds.keep=false'] })).filter(o => o.kind === 'CustomResourceDefinition')
    expect(unkept).toHaveLength(2)
    for (const c of unkept) expect(c.metadata.annotations?.['helm.sh/resource-policy']).toBeUndefined()
  })

  it('image.digest pins the operator image as repository@digest', () => {
    const digest = `sha256:${'ab12'.repeat(16)}`
    const d = asDeployment(findObject(parseManifests(render({ set: [`image.digest=${digest}`, 'image.tag=ignored'] })), 'Deployment'))
    expect(d.spec?.template.spec?.containers[0]?.image).toBe(`lattice-operator@${digest}`)
    expect(() => render({ set: ['image.digest=latest'] })).toThrow(/digest/)
  })

  it('a PodDisruptionBudget selects the operator pods, and can be switched off', () => {
    const objects = parseManifests(render({ set: ['replicaCount=2'] }))
    const pdb = findObject(objects, 'PodDisruptionBudget') as unknown as { spec: { maxUnavailable: number, selector: { matchLabels: Record<string, string> } } }
    expect(pdb.spec.maxUnavailable).toBe(1)
    expect(asDeployment(findObject(objects, 'Deployment')).spec?.template.metadata?.labels).toMatchObject(pdb.spec.selector.matchLabels)
    expect(parseManifests(render({ set: ['podDisruptionBudget.enabled=false'] })).filter(o => o.kind === 'PodDisruptionBudget')).toEqual([])
  })

  it('the operator pods carry the labels the nodes\' NetworkPolicy admits', () => {
    const labels = asDeployment(findObject(parseManifests(render()), 'Deployment')).spec?.template.metadata?.labels
    expect(labels).toMatchObject({ 'app.kubernetes.io/component': 'operator', 'app.kubernetes.io/part-of': 'lattice' })
  })

  it('aggregates read rights into view and write rights into edit/admin, on the Lattice resources only', () => {
    const objects = parseManifests(render())
    const view = findObject(objects, 'ClusterRole', 'lattice-operator-view') as unknown as V1Role
    const edit = findObject(objects, 'ClusterRole', 'lattice-operator-edit') as unknown as V1Role
    expect(view.metadata?.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-view': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' })
    expect(edit.metadata?.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' })
    expect(edit.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-view']).toBeUndefined()
    for (const r of [...(view.rules ?? []), ...(edit.rules ?? [])]) expect(r.apiGroups).toEqual(['lattice.diotec360.com'])
    noWildcards([...(view.rules ?? []), ...(edit.rules ?? [])])
    expect(Object.values(normalise(view.rules ?? [])).flat().every(v => ['get', 'list', 'watch'].includes(v))).toBe(true)
    expect(parseManifests(render({ set: ['rbac.aggregateToDefaultRoles=false'] })).filter(o => /-(view|edit)$/.test(o.metadata.name))).toEqual([])
  })
})

describe('values.schema.json', () => {
  it.each([
    ['replicaCount=0', /replicaCount/],
    ['unknownValue=1', /unknownValue/],
    ['operator.addressMode=ip', /addressMode/],
    ['image.pullPolicy=Sometimes', /pullPolicy/],
    ['metrics.port=70000', /port/],
    ['operator.logLevel=trace', /logLevel/],
    ['prometheusRule.runbookBaseURL=https://example.com/no-slash', /runbookBaseURL/],
    ['watchNamespaces={Not_A_Namespace}', /watchNamespaces/],
    ['watchNamespaces={a,b}', /watchNamespaces/],
    ['rbac.clusterWide=maybe', /clusterWide/]
  ])('refuses %s', (set, message) => {
    expect(() => render({ set: [set] })).toThrow(message)
  })

  it('describes every value of values.yaml, and values.yaml sets every value it describes', () => {
    interface Schema { properties?: Record<string, Schema>, description?: string, $ref?: string }
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Schema
    const values = yaml.load(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>
    const missing: string[] = []
    const walk = (v: Record<string, unknown>, s: Schema, path: string): void => {
      for (const [k, child] of Object.entries(v)) {
        const cs = s.properties?.[k]
        if (cs == null) { missing.push(`${path}${k}: not in schema`); continue }
        // A described object (resources, securityContext, ...) is documented as a whole.
        if (cs.description != null) continue
        if (cs.properties != null && child != null && typeof child === 'object' && !Array.isArray(child)) walk(child as Record<string, unknown>, cs, `${path}${k}.`)
        else missing.push(`${path}${k}: no description`)
      }
      for (const k of Object.keys(s.properties ?? {})) if (!(k in v) && !(path === '' && k === 'global')) missing.push(`${path}${k}: not in values.yaml`)
    }
    walk(values, schema, '')
    expect(missing).toEqual([])
  })
})

describe('ServiceMonitor, PodMonitor, PrometheusRule and the Grafana dashboard', () => {
  const objects = parseManifests(render({ values: ['ha-monitoring'] }))

  it('scrape the metrics port with honorLabels, selecting the metrics Service', () => {
    const sm = findObject(objects, 'ServiceMonitor') as unknown as { metadata: { labels: Record<string, string> }, spec: { selector: { matchLabels: Record<string, string> }, endpoints: Array<Record<string, unknown>> } }
    expect(sm.metadata.labels.release).toBe('kube-prometheus-stack')
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s', scrapeTimeout: '10s', honorLabels: true }])
    const svc = findObject(objects, 'Service') as unknown as V1Service
    expect(svc.metadata?.labels).toMatchObject(sm.spec.selector.matchLabels)
  })

  it('the PodMonitor scrapes every lattice-node pod\'s http port, labelled with its network and node', () => {
    const pm = findObject(objects, 'PodMonitor') as unknown as { metadata: { labels: Record<string, string> }, spec: { selector: { matchLabels: Record<string, string> }, namespaceSelector: Record<string, unknown>, podMetricsEndpoints: Array<{ port: string, path: string, interval: string, relabelings: Array<{ sourceLabels: string[], targetLabel: string }> }> } }
    expect(pm.metadata.labels.release).toBe('kube-prometheus-stack')
    // the labels the operator puts on node pods (operator/src/builders/names.ts)
    const podLabels = nodeLabels('aethel', 'aethel-0', 0, 'node')
    expect(podLabels).toMatchObject(pm.spec.selector.matchLabels)
    expect(pm.spec.namespaceSelector).toEqual({ any: true })
    const [endpoint] = pm.spec.podMetricsEndpoints
    expect(endpoint).toMatchObject({ port: 'http', path: '/metrics', interval: '15s', scheme: 'https', tlsConfig: { ca: { configMap: { name: 'aethel-tls-trust', key: 'ca.crt' } } } })
    const plain = findObject(parseManifests(render({ set: ['podMonitor.enabled=true'] })), 'PodMonitor') as unknown as { spec: { podMetricsEndpoints: Array<Record<string, unknown>> } }
    expect(plain.spec.podMetricsEndpoints[0]).not.toHaveProperty('scheme')
    expect(plain.spec.podMetricsEndpoints[0]).not.toHaveProperty('tlsConfig')
    expect(endpoint?.relabelings.map(r => [r.sourceLabels[0], r.targetLabel])).toEqual([
      ['__meta_kubernetes_pod_label_lattice_diotec360_com_network', 'network'],
      ['__meta_kubernetes_pod_label_lattice_diotec360_com_node', 'node']
    ])
    // what prometheus-scrape.yaml's lattice-node job keeps is what the PodMonitor selects
    const scrape = yaml.load(readFileSync(join(ROOT, 'manifests/monitoring/prometheus-scrape.yaml'), 'utf8')) as { scrape_configs: Array<{ job_name: string, relabel_configs: Array<{ source_labels: string[], regex?: string, action?: string }> }> }
    const keep = scrape.scrape_configs.find(j => j.job_name === 'lattice-node')?.relabel_configs.find(r => r.action === 'keep')
    const selected = Object.fromEntries((keep?.source_labels ?? []).map((l, i) => [l, (keep?.regex ?? '').split(';')[i]]))
    for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) expect(selected[`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9]/g, '_')}`]).toBe(v)
    expect(selected.__meta_kubernetes_pod_container_port_name).toBe(endpoint?.port)
  })

  it('the PodMonitor looks only at the watched namespaces when the operator is namespaced', () => {
    const pm = findObject(parseManifests(render({ values: ['namespaced'], set: ['podMonitor.enabled=true'] })), 'PodMonitor') as unknown as { spec: { namespaceSelector: { matchNames?: string[] } } }
    expect(pm.spec.namespaceSelector.matchNames?.length).toBeGreaterThan(0)
  })

  it('the dashboard ConfigMap carries manifests/monitoring/lattice-dashboard.json for the Grafana sidecar', () => {
    const cm = findObject(objects, 'ConfigMap') as unknown as { metadata: { labels: Record<string, string>, annotations: Record<string, string> }, data: Record<string, string> }
    expect(cm.metadata.labels.grafana_dashboard).toBe('1')
    expect(cm.metadata.annotations.grafana_folder).toBe('Lattice')
    const json = cm.data['lattice-network-overview.json'] ?? ''
    expect(JSON.parse(json)).toEqual(JSON.parse(readFileSync(join(ROOT, 'manifests/monitoring/lattice-dashboard.json'), 'utf8')))
  })

  it('builds the PrometheusRule from manifests/monitoring/lattice-rules.yaml with the runbook base URL', () => {
    const rule = findObject(objects, 'PrometheusRule') as unknown as { spec: { groups: unknown[] } }
    const source = readFileSync(join(ROOT, 'manifests/monitoring/lattice-rules.yaml'), 'utf8')
      .replaceAll('https://github.com/diotec360/lattice/blob/main/docs/runbooks/', 'https://runbooks.example.com/lattice/')
    expect(rule.spec.groups).toEqual((yaml.load(source) as { groups: unknown[] }).groups)
    expect(JSON.stringify(rule.spec.groups)).toContain('https://runbooks.example.com/lattice/LatticeStateDivergence.md')
  })

  it('prometheusRule.forOverrides replaces the `for:` of the alerts it names, and only those', () => {
    type Groups = Array<{ rules: Array<{ alert?: string, for?: string }> }>
    const forOf = (objects: K8sObject[]): Record<string, string> => Object.fromEntries(((findObject(objects, 'PrometheusRule') as unknown as { spec: { groups: Groups } }).spec.groups)
      .flatMap(g => g.rules).flatMap(r => r.alert !== undefined ? [[r.alert, r.for ?? '']] : []))
    const shipped = forOf(objects)
    const overridden = forOf(parseManifests(render({ set: ['prometheusRule.enabled=true', 'prometheusRule.forOverrides.LatticeP2PPeerLoss=5s'] })))
    expect(overridden).toEqual({ ...shipped, LatticeP2PPeerLoss: '5s' })
    expect(shipped.LatticeP2PPeerLoss).toBe('60s')
    const r = helm(['template', 'x', CHART, '--set', 'prometheusRule.enabled=true', '--set', 'prometheusRule.forOverrides.LatticeNope=5s'])
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('no alert named LatticeNope')
  })

  it('gives promtool a valid rules file', () => {
    const rule = findObject(objects, 'PrometheusRule') as unknown as { spec: unknown }
    const dir = mkdtempSync(join(tmpdir(), 'lattice-promrule-'))
    try {
      writeFileSync(join(dir, 'rules.yaml'), yaml.dump(rule.spec))
      const r = runCommand('promtool', ['check', 'rules', join(dir, 'rules.yaml')])
      expect(r.stdout).toContain('SUCCESS: 7 rules found')
      expect(r.status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('are not rendered by default', () => {
    const defaults = parseManifests(render())
    expect(defaults.filter(o => o.apiVersion.startsWith('monitoring.coreos.com'))).toEqual([])
    expect(defaults.filter(o => o.kind === 'ConfigMap')).toEqual([])
  })
})

describe('generated and copied files are fresh', () => {
  it('the chart\'s CRDs and rules file are identical to crds/ and manifests/monitoring/', () => {
    const r = runCommand('bash', [join(ROOT, 'test/chart/sync-crds.sh'), '--check'])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    // Templates (helm upgrade updates them), the sources' content unchanged but for the annotations.
    const crds = parseManifests(render()).filter(o => o.kind === 'CustomResourceDefinition')
    expect(crds.map(c => c.metadata.name).sort()).toEqual(['latticenetworks.lattice.diotec360.com', 'latticenodes.lattice.diotec360.com'])
    for (const crd of crds) {
      const file = `${crd.metadata.name.split('.')[0] ?? ''}.yaml`
      const source = yaml.load(readFileSync(join(ROOT, 'crds', file), 'utf8')) as K8sObject
      expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep', 'lattice.diotec360.com/chart-version': (yaml.load(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string }).version })
      expect({ ...crd, metadata: { ...crd.metadata, annotations: undefined } }).toEqual({ ...source, metadata: { ...source.metadata, annotations: undefined } })
    }
    expect(existsSync(join(CHART, 'crds'))).toBe(false)
  })

  it('manifests/install.yaml is the default rendering (re-run test/chart/render-install.sh)', () => {
    const r = runCommand('bash', [join(ROOT, 'test/chart/render-install.sh'), '--stdout'])
    expect(r.status).toBe(0)
    const file = join(ROOT, 'manifests/install.yaml')
    expect(existsSync(file)).toBe(true)
    expect(readFileSync(file, 'utf8')).toBe(r.stdout)
  })

  it('manifests/monitoring/lattice-prometheusrule.yaml is the chart\'s PrometheusRule (re-run test/chart/render-install.sh)', () => {
    const r = runCommand('bash', [join(ROOT, 'test/chart/render-install.sh'), '--stdout-rule'])
    expect(r.status).toBe(0)
    const file = join(ROOT, 'manifests/monitoring/lattice-prometheusrule.yaml')
    expect(existsSync(file)).toBe(true)
    expect(readFileSync(file, 'utf8')).toBe(r.stdout)
    const [rule] = parseManifests(r.stdout)
    expect(rule?.kind).toBe('PrometheusRule')
    const source = yaml.load(readFileSync(join(ROOT, 'manifests/monitoring/lattice-rules.yaml'), 'utf8')) as { groups: unknown[] }
    expect((rule as unknown as { spec: { groups: unknown[] } }).spec.groups).toEqual(source.groups)
  })

  // Golden-file snapshot of the widest rendering (cdk8s style). Update after an intended chart change:
  //   LATTICE_UPDATE_SNAPSHOTS=1 <jest> test/chart/chart
  it('the HA + monitoring rendering matches test/chart/snapshots/ha-monitoring.yaml', () => {
    const golden = join(ROOT, 'test/chart/snapshots/ha-monitoring.yaml')
    const rendered = render({ values: ['ha-monitoring'] })
    if (process.env.LATTICE_UPDATE_SNAPSHOTS === '1') writeFileSync(golden, rendered)
    expect(existsSync(golden)).toBe(true)
    expect(rendered).toBe(readFileSync(golden, 'utf8'))
  })
})
