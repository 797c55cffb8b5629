// The Helm chart with the real helm: lint, rendering for the default, cluster-wide, namespaced and HA
// values, least-privilege RBAC, leader election, CRDs, image digest, PodDisruptionBudget, aggregated roles.
// (Monitoring objects: chart-monitoring.test.ts; values schema and generated files: chart-files.test.ts;
// applying the renderings to a real API server: cluster.test.ts.)
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { V1Role, V1Service } from '@kubernetes/client-node'
import yaml from 'js-yaml'
import { CHART, NAMESPACE, ROOT, findObject, helm, parseManifests, render } from './helm.js'
import { EXPECTED_RULES, asDeployment, asRole, env, noWildcards, normalise } from './chart-objects.js'

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
