// CRDs that upgrade with the chart: the real helm installs the chart into a real kube-apiserver (the
// CRDs are chart templates, crds.enabled), then upgrades to a copy of the chart whose LatticeNetwork
// CRD gains a field; a LatticeNetwork using that field is refused before the upgrade and stored with
// it after. helm uninstall leaves the CRDs (helm.sh/resource-policy: keep) and the network.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import yaml from 'js-yaml'
import { useCluster } from '../cluster/harness.js'
import { networkManifest } from '../operator/helpers.js'
import { CHART } from './helm.js'
import { mustSucceed } from './release-operator.js'

const NS = 'lattice-system'
const CRD = 'latticenetworks.lattice.diotec360.com'

/** A copy of the chart, version 0.1.1-upgrade, whose LatticeNetwork CRD has spec.upgradeNote. */
function chartWithNewField (dir: string): string {
  const copy = join(dir, 'lattice-operator')
  cpSync(CHART, copy, { recursive: true })
  const chartFile = join(copy, 'Chart.yaml')
  writeFileSync(chartFile, readFileSync(chartFile, 'utf8').replace(/^version: .*$/m, 'version: 0.1.1-upgrade'))
  const crdFile = join(copy, 'templates/crds/latticenetworks.yaml')
  const text = readFileSync(crdFile, 'utf8')
  const anchor = '              properties:\n                replicas:\n'
  if (!text.includes(anchor)) throw new Error(`${crdFile}: spec.properties.replicas not found`)
  writeFileSync(crdFile, text.replace(anchor, '              properties:\n                upgradeNote:\n                  type: string\n                  description: A field only the upgraded chart knows.\n                replicas:\n'))
  return copy
}

describe('helm upgrade carries the CRDs', () => {
  const cluster = useCluster({ shared: false, kubelet: false, crdsDir: false }, 'crd-upgrade')
  let tmp = ''
  beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'lattice-crd-upgrade-')) })
  afterAll(() => { if (tmp !== '') rmSync(tmp, { recursive: true, force: true }) })

  const network = (note?: string): string => yaml.dump(networkManifest('upgraded', { replicas: 1, ...(note !== undefined ? { upgradeNote: note } : {}) }))
  const hasField = async (): Promise<boolean> =>
    (await cluster.kubectl(['get', 'crd', CRD, '-o', 'jsonpath={.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.upgradeNote.type}'])).stdout === 'string'

  it('install, upgrade to a CRD with a new field, apply a resource using it, uninstall keeps the CRDs', async () => {
    mustSucceed(await cluster.helm(['install', 'lattice-operator', CHART, '-n', NS, '--create-namespace'], { timeoutMs: 120_000 }), 'helm install')
    mustSucceed(await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${CRD}`], { timeoutMs: 90_000 }), 'CRD Established')
    const annotations = JSON.parse(mustSucceed(await cluster.kubectl(['get', 'crd', CRD, '-o', 'jsonpath={.metadata.annotations}']), 'annotations').stdout) as Record<string, string>
    expect(annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep', 'meta.helm.sh/release-name': 'lattice-operator', 'lattice.diotec360.com/chart-version': '0.1.0' })
    expect(await hasField()).toBe(false)
    // Before the upgrade the API server does not know the field: strict validation refuses it.
    const before = await cluster.kubectl(['apply', '-n', cluster.namespace, '--validate=strict', '-f', '-'], { input: network('too early') })
    expect(before.code).not.toBe(0)
    expect(before.stderr).toMatch(/unknown field "spec.upgradeNote"/)

    const upgraded = chartWithNewField(tmp)
    mustSucceed(await cluster.helm(['upgrade', 'lattice-operator', upgraded, '-n', NS], { timeoutMs: 120_000 }), 'helm upgrade')
    expect(await hasField()).toBe(true)
    expect((await cluster.kubectl(['get', 'crd', CRD, '-o', 'jsonpath={.metadata.annotations.lattice\\.diotec360\\.com/chart-version}'])).stdout).toBe('0.1.1-upgrade')
    mustSucceed(await cluster.kubectl(['apply', '-n', cluster.namespace, '--validate=strict', '-f', '-'], { input: network('carried by helm upgrade') }), 'apply with the new field')
    expect((await cluster.kubectl(['get', 'lnet', 'upgraded', '-n', cluster.namespace, '-o', 'jsonpath={.spec.upgradeNote}'])).stdout).toBe('carried by helm upgrade')

    mustSucceed(await cluster.helm(['uninstall', 'lattice-operator', '-n', NS], { timeoutMs: 120_000 }), 'helm uninstall')
    mustSucceed(await cluster.kubectl(['get', 'crd', CRD, 'latticenodes.lattice.diotec360.com']), 'CRDs kept')
    expect((await cluster.kubectl(['get', 'lnet', 'upgraded', '-n', cluster.namespace, '-o', 'jsonpath={.spec.upgradeNote}'])).stdout).toBe('carried by helm upgrade')
    expect((await cluster.kubectl(['get', 'deployment', '-n', NS, 'lattice-operator'])).stderr).toMatch(/NotFound/)
  }, 300_000)

  // CRDs Helm does not own (installed from an older chart's crds/ directory, or applied by hand) make an
  // install fail until they are adopted as the chart README says. (The CRDs the uninstall above kept
  // still carry the release's ownership metadata: a new release of the same name adopts them by itself.)
  it('CRDs not owned by the release are refused, then adopted with the README\'s annotate and label commands', async () => {
    const crds = [CRD, 'latticenodes.lattice.diotec360.com']
    mustSucceed(await cluster.kubectl(['annotate', 'crd', ...crds, 'meta.helm.sh/release-name-', 'meta.helm.sh/release-namespace-']), 'strip annotations')
    mustSucceed(await cluster.kubectl(['label', 'crd', ...crds, 'app.kubernetes.io/managed-by-']), 'strip label')
    const refused = await cluster.helm(['install', 'lattice-operator', CHART, '-n', NS], { timeoutMs: 120_000 })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/invalid ownership metadata|cannot be imported/)
    mustSucceed(await cluster.kubectl(['annotate', 'crd', ...crds, 'meta.helm.sh/release-name=lattice-operator', `meta.helm.sh/release-namespace=${NS}`]), 'annotate')
    mustSucceed(await cluster.kubectl(['label', 'crd', ...crds, 'app.kubernetes.io/managed-by=Helm']), 'label')
    mustSucceed(await cluster.helm(['uninstall', 'lattice-operator', '-n', NS, '--ignore-not-found'], { timeoutMs: 120_000 }), 'uninstall the failed release')
    mustSucceed(await cluster.helm(['install', 'lattice-operator', CHART, '-n', NS], { timeoutMs: 120_000 }), 'helm install after adoption')
    // The chart's schema replaced the upgraded one: the field of the copied chart is gone again.
    expect(await hasField()).toBe(false)
  }, 300_000)
})
