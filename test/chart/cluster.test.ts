// The chart, install.yaml and the samples against a real kube-apiserver (test/cluster, private control
// plane, CRDs from crds/): server-side dry runs of every rendering, the samples accepted and their
// invalid variants refused, and `helm install` in cluster-wide and namespaced mode, with the operator's
// own ServiceAccount token allowed what it needs and refused what it must not have.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import yaml from 'js-yaml'
import { useCluster } from '../cluster/harness.js'
import { locateBinaries } from '../cluster/binaries.js'
import { runCommand, type CommandResult } from '../cluster/controlplane.js'
import { CHART, ROOT, VALUES_DIR, parseManifests, render, type K8sObject } from './helm.js'
import { monitoringCrdsDir } from '../monitoring/stack.js'

const SAMPLES = ['minimal', 'production', 'three-site']

/** The parts of a sample LatticeNetwork the invalid variants change. */
interface SampleDoc {
  metadata: { name: string }
  spec: {
    image?: string
    replicas?: number
    sync?: Record<string, unknown>
    ports?: Record<string, number>
    storage: { size?: string, reclaimPolicy?: string }
    service: { type?: string }
    externalPeers: Array<{ name: string, multiaddr: string, url?: string }>
  }
}

function dump (objects: K8sObject[]): string {
  return objects.map(o => yaml.dump(o)).join('---\n')
}

function sample (name: string): K8sObject {
  return yaml.load(readFileSync(join(ROOT, 'manifests/samples', `${name}.yaml`), 'utf8')) as K8sObject
}

function peer (o: SampleDoc, i: number): SampleDoc['spec']['externalPeers'][number] {
  const p = o.spec.externalPeers[i]
  if (p == null) throw new Error(`sample has no external peer ${i}`)
  return p
}

function expectOk (r: CommandResult, what: string): void {
  expect({ what, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ what, code: 0, stderr: '' })
}

describe('chart and manifests on a real API server', () => {
  const cluster = useCluster({ shared: false, kubelet: false }, 'chart')
  const kubectlBin = locateBinaries(['kubectl']).kubectl
  let tmp = ''

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lattice-chart-'))
    for (const ns of ['lattice-system', 'lattice-team-a', 'lattice-team-b']) {
      expectOk(await cluster.kubectl(['create', 'namespace', ns]), `create namespace ${ns}`)
    }
  }, 60_000)

  afterAll(() => { if (tmp !== '') rmSync(tmp, { recursive: true, force: true }) })

  async function dryRun (manifests: string): Promise<CommandResult> {
    return await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: manifests })
  }

  describe('kubectl apply --dry-run=server', () => {
    it.each([
      ['default', {}],
      ['cluster-wide', { values: ['cluster-wide'] }],
      ['namespaced', { values: ['namespaced'] }],
      ['HA', { set: ['replicaCount=2'] }]
    ])('accepts the %s rendering', async (_name, opts) => {
      const objects = parseManifests(render(opts))
      const r = await dryRun(dump(objects))
      expectOk(r, 'dry run')
      expect(r.stdout.split('\n').filter(l => l.endsWith('(server dry run)'))).toHaveLength(objects.length)
    })

    it('accepts the monitoring rendering, its ServiceMonitor, PodMonitor and PrometheusRule checked against prometheus-operator\'s own CRDs', async () => {
      // prometheus-operator v0.85's CRDs, from its Go module (test/monitoring/install-monitoring-crds.sh)
      const crds = monitoringCrdsDir()
      expectOk(await cluster.kubectl(['apply', '--server-side', '-f', crds]), 'apply prometheus-operator CRDs')
      expectOk(await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]), 'CRDs established')
      const objects = parseManifests(render({ values: ['ha-monitoring'] }))
      expect(objects.filter(o => o.apiVersion.startsWith('monitoring.coreos.com/')).map(o => o.kind).sort()).toEqual(['PodMonitor', 'PrometheusRule', 'ServiceMonitor'])
      // strict field validation: a field the CRD schema does not know is an error, not pruned
      const r = await cluster.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: dump(objects) })
      expectOk(r, 'dry run')
      expect(r.stdout.split('\n').filter(l => l.endsWith('(server dry run)'))).toHaveLength(objects.length)
    })

    it('accepts manifests/install.yaml (CRDs, namespace, operator)', async () => {
      const r = await dryRun(readFileSync(join(ROOT, 'manifests/install.yaml'), 'utf8'))
      expectOk(r, 'dry run of install.yaml')
      expect(r.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/latticenetworks.lattice.diotec360.com')
      expect(r.stdout).toContain('deployment.apps/lattice-operator')
    })

    it('meets the restricted Pod Security Standard (the API server warns about a pod that does not)', async () => {
      expectOk(await cluster.kubectl(['label', '--overwrite', 'namespace', 'lattice-system', 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']), 'label namespace')
      const ok = await dryRun(render())
      expectOk(ok, 'dry run')
      expect(ok.stderr).not.toMatch(/PodSecurity/)
      const weakened = await dryRun(render({ set: ['podSecurityContext.runAsNonRoot=false', 'securityContext.allowPrivilegeEscalation=true'] }))
      expect(weakened.stderr).toMatch(/would violate PodSecurity "restricted:latest"/)
      expect(weakened.stderr).toMatch(/allowPrivilegeEscalation/)
    })

    it('refuses a rendering the API server must not accept (the check can fail)', async () => {
      const objects = parseManifests(render())
      const deployment = objects.find(o => o.kind === 'Deployment') as K8sObject & { spec: { replicas: unknown } }
      deployment.spec.replicas = -1
      const r = await dryRun(dump(objects))
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(/replicas/)
    })
  })

  describe('samples', () => {
    it.each(SAMPLES)('manifests/samples/%s.yaml is accepted and stored with its defaults', async (name) => {
      const r = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', join(ROOT, 'manifests/samples', `${name}.yaml`)])
      expectOk(r, `apply ${name}`)
      const own = sample(name)
      const got = await cluster.kubectl(['get', 'lnet', '-n', cluster.namespace, own.metadata.name, '-o', 'json'])
      expectOk(got, 'get lnet')
      const stored = JSON.parse(got.stdout) as { spec: { replicas: number, sync: { mode: string, topic: string }, ports: { p2p: number, http: number }, storage: { reclaimPolicy: string } } }
      const spec = (own as unknown as { spec: { replicas?: number } }).spec
      expect(stored.spec.replicas).toBe(spec.replicas ?? 3)
      expect(stored.spec.sync.topic).toBe('aethel/lattice/v1')
      expect(stored.spec.ports).toEqual({ p2p: 9000, http: 8080 })
      expect(stored.spec.storage.reclaimPolicy).toBe('Retain')
    })

    // Each variant breaks one rule of the CRD schema; the API server must refuse it with that field.
    const invalid: Array<[string, string, (o: SampleDoc) => void, RegExp]> = [
      ['no image', 'minimal', o => { delete o.spec.image }, /image/],
      ['zero replicas', 'minimal', o => { o.spec.replicas = 0 }, /replicas/],
      ['unknown sync mode', 'minimal', o => { o.spec.sync = { mode: 'gossip' } }, /sync\.mode/],
      ['peerless timeout not above the heartbeat', 'minimal', o => { o.spec.sync = { heartbeatIntervalSeconds: 30, peerlessTimeoutSeconds: 30 } }, /peerlessTimeoutSeconds/],
      ['same P2P and HTTP port', 'minimal', o => { o.spec.ports = { p2p: 8080, http: 8080 } }, /ports/],
      ['bad storage size', 'production', o => { o.spec.storage.size = 'lots' }, /storage\.size/],
      ['bad reclaim policy', 'production', o => { o.spec.storage.reclaimPolicy = 'Recycle' }, /reclaimPolicy/],
      ['bad service type', 'production', o => { o.spec.service.type = 'ExternalName' }, /service\.type/],
      ['an external peer multiaddr without /p2p/<peerId>', 'three-site', o => { peer(o, 0).multiaddr = '/dns4/huggingface.co/tcp/9000' }, /multiaddr/],
      ['an external peer URL that is not http(s)', 'three-site', o => { peer(o, 1).url = 'ftp://backup.diotec360.com' }, /url/],
      ['duplicate external peer names', 'three-site', o => { peer(o, 1).name = peer(o, 0).name }, /externalPeers/]
    ]
    it.each(invalid)('refuses a network with %s', async (_what, base, mutate, message) => {
      const o = structuredClone(sample(base)) as unknown as SampleDoc
      o.metadata.name = `invalid-${base}`
      mutate(o)
      const r = await cluster.kubectl(['apply', '--dry-run=server', '-n', cluster.namespace, '-f', '-'], { input: yaml.dump(o) })
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(message)
    })
  })

  describe('helm install', () => {
    // A kubeconfig that authenticates as the operator's ServiceAccount (a TokenRequest token), not admin.
    async function serviceAccountKubeconfig (namespace: string, sa: string): Promise<string> {
      const token = await cluster.kubectl(['create', 'token', sa, '-n', namespace, '--duration=1h'])
      expectOk(token, 'create token')
      const ca = cluster.controlPlane?.pki.caCert
      if (ca == null) throw new Error('private control plane expected')
      const file = join(tmp, `${namespace}-${sa}.kubeconfig`)
      writeFileSync(file, yaml.dump({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority': ca } }],
        users: [{ name: sa, user: { token: token.stdout.trim() } }],
        contexts: [{ name: 'sa', context: { cluster: 'local', user: sa } }],
        'current-context': 'sa'
      }))
      return file
    }

    async function as (kubeconfig: string, args: string[]): Promise<CommandResult> {
      return await runCommand(kubectlBin, [`--kubeconfig=${kubeconfig}`, ...args], { ...process.env, KUBECONFIG: kubeconfig }, {})
    }

    /** `resource` may name a subresource as resource/sub (kubectl itself would read it as a name). */
    async function canI (kubeconfig: string, verb: string, resource: string, namespace?: string): Promise<string> {
      const [res = '', sub] = resource.split('/')
      const r = await as(kubeconfig, ['auth', 'can-i', verb, res, ...(sub != null ? [`--subresource=${sub}`] : []),
        ...(namespace != null ? ['-n', namespace] : ['--all-namespaces'])])
      return r.stdout.trim()
    }

    const NEEDED: Array<[string, string]> = [
      ['watch', 'latticenetworks.lattice.diotec360.com'], ['create', 'latticenodes.lattice.diotec360.com'],
      ['patch', 'latticenetworks.lattice.diotec360.com/status'], ['update', 'latticenodes.lattice.diotec360.com/finalizers'],
      ['create', 'pods'], ['delete', 'pods'], ['create', 'secrets'], ['list', 'services'], ['patch', 'configmaps'],
      ['create', 'persistentvolumeclaims'], ['create', 'events'], ['create', 'poddisruptionbudgets.policy'],
      ['delete', 'networkpolicies.networking.k8s.io'],
      // spec.tls: serving certificates re-issued and pruned, the caBundleRef ConfigMap read
      ['patch', 'secrets'], ['delete', 'secrets'], ['get', 'configmaps']
    ]
    const NOT_NEEDED: Array<[string, string]> = [
      ['create', 'deployments.apps'], ['create', 'statefulsets.apps'], ['create', 'roles.rbac.authorization.k8s.io'],
      ['create', 'pods/exec'], ['delete', 'events'], ['create', 'serviceaccounts'], ['create', 'latticenetworks.lattice.diotec360.com/status'],
      // Granted before the RBAC was cut to what the operator calls (rbac-audit.test.ts).
      ['create', 'events.events.k8s.io'], ['update', 'pods'], ['update', 'latticenetworks.lattice.diotec360.com'],
      ['get', 'pods'], ['delete', 'poddisruptionbudgets.policy']
    ]

    it('installs in namespaced mode: rights only in the watched namespace, Secrets elsewhere refused', async () => {
      const other = `${cluster.namespace}-other`
      expectOk(await cluster.kubectl(['create', 'namespace', other]), 'create other namespace')
      expectOk(await cluster.kubectl(['create', 'secret', 'generic', 'not-yours', '-n', other, '--from-literal=k=v']), 'create secret')

      const install = await cluster.helm(['install', 'lattice-ns', CHART, '-n', 'lattice-ops', '--create-namespace',
        '--set', 'rbac.clusterWide=false', '--set', `watchNamespaces={${cluster.namespace}}`, '--set', 'crds.enabled=false'], { timeoutMs: 120_000 })
      expectOk(install, 'helm install')
      expect(install.stdout).toContain(`It manages LatticeNetworks in: ${cluster.namespace}.`)
      expectOk(await cluster.kubectl(['get', 'deployment', '-n', 'lattice-ops', 'lattice-ns-lattice-operator']), 'operator Deployment')
      const env = await cluster.kubectl(['get', 'deployment', '-n', 'lattice-ops', 'lattice-ns-lattice-operator', '-o', 'jsonpath={.spec.template.spec.containers[0].env[0].value}'])
      expect(env.stdout).toBe(cluster.namespace)

      const kc = await serviceAccountKubeconfig('lattice-ops', 'lattice-ns-lattice-operator')
      for (const [verb, resource] of NEEDED) {
        expect({ verb, resource, answer: await canI(kc, verb, resource, cluster.namespace) }).toEqual({ verb, resource, answer: 'yes' })
        expect({ verb, resource, other: await canI(kc, verb, resource, other) }).toEqual({ verb, resource, other: 'no' })
      }
      for (const [verb, resource] of NOT_NEEDED) {
        expect({ verb, resource, answer: await canI(kc, verb, resource, cluster.namespace) }).toEqual({ verb, resource, answer: 'no' })
      }
      // One replica: no leader election, so no Lease rights either.
      expect(await canI(kc, 'create', 'leases.coordination.k8s.io', 'lattice-ops')).toBe('no')

      // Real requests with the token: the watched namespace works, another namespace's Secrets do not.
      expectOk(await as(kc, ['get', 'secrets', '-n', cluster.namespace]), 'get secrets in the watched namespace')
      const refused = await as(kc, ['get', 'secret', 'not-yours', '-n', other])
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toMatch(/forbidden/i)
      const clusterWide = await as(kc, ['get', 'latticenetworks', '--all-namespaces'])
      expect(clusterWide.code).not.toBe(0)
      expect(clusterWide.stderr).toMatch(/forbidden/i)
      const nodes = await as(kc, ['get', 'nodes'])
      expect(nodes.stderr).toMatch(/forbidden/i)

      expectOk(await cluster.helm(['uninstall', 'lattice-ns', '-n', 'lattice-ops'], { timeoutMs: 120_000 }), 'helm uninstall')
      const gone = await cluster.kubectl(['get', 'role', '-n', cluster.namespace, 'lattice-ns-lattice-operator'])
      expect(gone.stderr).toMatch(/NotFound/)
    }, 240_000)

    it('installs cluster-wide with leader election: rights in every namespace, a Lease in its own, nothing more', async () => {
      const install = await cluster.helm(['install', 'lattice-cw', CHART, '-n', 'lattice-cw-ops', '--create-namespace',
        '--values', join(VALUES_DIR, 'cluster-wide.yaml'), '--set', 'replicaCount=2', '--set', 'crds.enabled=false'], { timeoutMs: 120_000 })
      expectOk(install, 'helm install')
      expect(install.stdout).toContain('It manages LatticeNetworks in all namespaces.')
      expect(install.stdout).toContain('Leader election: true')
      const kc = await serviceAccountKubeconfig('lattice-cw-ops', 'lattice-cw-lattice-operator')
      for (const [verb, resource] of NEEDED) {
        expect({ verb, resource, answer: await canI(kc, verb, resource) }).toEqual({ verb, resource, answer: 'yes' })
      }
      for (const [verb, resource] of NOT_NEEDED) {
        expect({ verb, resource, answer: await canI(kc, verb, resource) }).toEqual({ verb, resource, answer: 'no' })
      }
      // get/update name the operator's Lease (resourceNames); create cannot be limited by name.
      const lease = async (verb: string, name: string): Promise<string> => (await as(kc, ['auth', 'can-i', verb, `leases.coordination.k8s.io/${name}`, '-n', 'lattice-cw-ops'])).stdout.trim()
      for (const verb of ['get', 'update']) expect({ verb, answer: await lease(verb, 'lattice-operator-leader') }).toEqual({ verb, answer: 'yes' })
      for (const verb of ['get', 'update', 'delete']) expect({ verb, other: await lease(verb, 'someone-elses-lease') }).toEqual({ verb, other: 'no' })
      expect(await canI(kc, 'create', 'leases.coordination.k8s.io', 'lattice-cw-ops')).toBe('yes')
      expect(await canI(kc, 'list', 'leases.coordination.k8s.io', 'lattice-cw-ops')).toBe('no')
      expect(await canI(kc, 'delete', 'leases.coordination.k8s.io', 'lattice-cw-ops')).toBe('no')
      expect(await canI(kc, 'create', 'leases.coordination.k8s.io', cluster.namespace)).toBe('no')
      expect(await canI(kc, 'list', 'nodes')).toBe('no')
      expect(await canI(kc, 'create', 'customresourcedefinitions.apiextensions.k8s.io')).toBe('no')

      expectOk(await cluster.helm(['uninstall', 'lattice-cw', '-n', 'lattice-cw-ops'], { timeoutMs: 120_000 }), 'helm uninstall')
      const gone = await cluster.kubectl(['get', 'clusterrole', 'lattice-cw-lattice-operator'])
      expect(gone.stderr).toMatch(/NotFound/)
    }, 240_000)
  })
})
