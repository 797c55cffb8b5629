import { isListening, waitFor } from '../../packages/testkit/src/index.js'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node'
import { repoRoot } from './binaries.js'
import { startControlPlane, type ControlPlane } from './controlplane.js'
import { crdFiles } from './crds.js'
import { httpsGet } from './http.js'
import { isAlive } from './pid.js'

describe('local control plane (etcd + kube-apiserver, real CRDs)', () => {
  let cp: ControlPlane

  beforeAll(async () => {
    cp = await startControlPlane()
  }, 120_000)

  afterAll(async () => {
    await cp?.stop()
  }, 60_000)

  it('serves /readyz over TLS with the generated CA and admin client certificate', async () => {
    const r = await httpsGet(`${cp.server}/readyz`, { ca: cp.pki.caCert, ...cp.pki.clients.admin })
    expect(r.status).toBe(200)
    expect(cp.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
  })

  it('authorizes with RBAC: an unbound user may not list pods, the admin may', async () => {
    const denied = await cp.kubectl(['auth', 'can-i', 'list', 'pods', '--as=someone'])
    expect(denied.stdout.trim()).toBe('no')
    const allowed = await cp.kubectl(['auth', 'can-i', 'list', 'pods'])
    expect(allowed.stdout.trim()).toBe('yes')
    const forbidden = await cp.kubectl(['get', 'pods', '-A', '--as=someone'])
    expect(forbidden.code).not.toBe(0)
    expect(forbidden.stderr).toMatch(/forbidden/i)
  })

  it('applied the real CRDs from crds/ and they are Established', async () => {
    const files = crdFiles(path.join(repoRoot(), 'crds'))
    expect(files.map(f => path.basename(f))).toEqual(expect.arrayContaining(['latticenetworks.yaml', 'latticenodes.yaml']))
    const api = cp.kubeConfig().makeApiClient(ApiextensionsV1Api)
    for (const name of ['latticenetworks.lattice.diotec360.com', 'latticenodes.lattice.diotec360.com']) {
      const crd = await api.readCustomResourceDefinition({ name })
      expect(crd.status?.conditions?.find(c => c.type === 'Established')?.status).toBe('True')
    }
  })

  it('rejects a LatticeNetwork that violates the schema with the API server validation error', async () => {
    const core = cp.kubeConfig().makeApiClient(CoreV1Api)
    await core.createNamespace({ body: { metadata: { name: 'schema' } } })
    const custom = cp.kubeConfig().makeApiClient(CustomObjectsApi)
    const body = { apiVersion: 'lattice.diotec360.com/v1alpha1', kind: 'LatticeNetwork', metadata: { name: 'bad' }, spec: { replicas: 0, image: 'lattice-node:dev' } }
    let caught: unknown
    try {
      await custom.createNamespacedCustomObject({ group: 'lattice.diotec360.com', version: 'v1alpha1', namespace: 'schema', plural: 'latticenetworks', body })
    } catch (err) {
      caught = err
    }
    expect((caught as { code?: number }).code).toBe(422)
    const text = JSON.stringify((caught as { body?: unknown }).body)
    expect(text).toContain('spec.replicas')
    expect(text).toMatch(/should be greater than or equal to 1/)

    // The same through kubectl: the server's message reaches the user.
    const manifest = JSON.stringify({ ...body, metadata: { name: 'bad2', namespace: 'schema' }, spec: { ...body.spec, replicas: 'three' } })
    const r = await cp.kubectl(['apply', '-f', '-'], { input: manifest })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/spec\.replicas/)
  })

  it('`kubectl explain latticenetwork.spec` prints the field descriptions', async () => {
    // The OpenAPI document is republished a moment after a CRD is established: poll.
    const out = await waitFor('kubectl explain latticenetwork.spec', async () => {
      const r = await cp.kubectl(['explain', 'latticenetwork.spec'])
      return r.code === 0 && r.stdout.includes('replicas') ? r.stdout : undefined
    }, { timeoutMs: 60_000, intervalMs: 500 })
    expect(out).toMatch(/KIND:\s+LatticeNetwork/)
    expect(out).toMatch(/GROUP:\s+lattice\.diotec360\.com/)
    expect(out).toContain('Number of ledger nodes')
  }, 90_000)
})

describe('helm from the cached build', () => {
  let cp: ControlPlane
  beforeAll(async () => { cp = await startControlPlane({ crdsDir: false }) }, 120_000)
  afterAll(async () => { await cp?.stop() }, 60_000)

  const fixture = (): string => path.join(repoRoot(), 'test', 'cluster', 'fixtures', 'hello-chart')

  it('lints and renders the fixture chart with the pinned Kubernetes version', async () => {
    const lint = await cp.helm(['lint', fixture()])
    expect(lint.stderr + lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed')
    expect(lint.code).toBe(0)
    const tpl = await cp.helm(['template', 'r1', fixture(), '--set', 'greeting=hi there'])
    expect(tpl.code).toBe(0)
    expect(tpl.stdout).toContain('name: r1-hello')
    expect(tpl.stdout).toContain('greeting: "hi there"')
    expect(tpl.stdout).toContain('kubeVersion: "v1.37.0"')
  })

  it('validates a rendering against the live API server (helm template --validate)', async () => {
    const tpl = await cp.helm(['template', 'r2', fixture(), '--validate'])
    expect(tpl.code).toBe(0)
    expect(tpl.stdout).toContain('kubeVersion: "v1.37.2"')
  })

  it('lints and renders the real chart charts/lattice-operator', async () => {
    const chart = path.join(repoRoot(), 'charts', 'lattice-operator')
    expect(fs.existsSync(path.join(chart, 'Chart.yaml'))).toBe(true)
    const lint = await cp.helm(['lint', chart])
    expect(lint.code).toBe(0)
    const tpl = await cp.helm(['template', 'lattice', chart, '--namespace', 'lattice-system'])
    expect(tpl.code).toBe(0)
    expect(tpl.stdout).toMatch(/kind: Deployment/)
  })
})

describe('control plane shutdown', () => {
  it('stops every process and frees its ports', async () => {
    const cp = await startControlPlane({ crdsDir: false, controllerManager: true, scheduler: true })
    const pidsFile = path.join(cp.stateDir, 'pgids')
    const pids = fs.readFileSync(pidsFile, 'utf8').split('\n').map(Number).filter(n => n > 0)
    expect(pids.length).toBe(4)
    for (const pid of pids) expect(isAlive(pid)).toBe(true)
    const port = cp.apiPort
    expect(await isListening('127.0.0.1', port)).toBe(true)
    await cp.stop()
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
    expect(await isListening('127.0.0.1', port)).toBe(false)
    expect(fs.existsSync(cp.stateDir)).toBe(false)
  }, 120_000)
})
