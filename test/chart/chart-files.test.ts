// The chart's values schema and the files made or copied from other sources (CRDs, rules, manifests/install.yaml,
// the golden HA rendering) checked fresh (split from chart.test.ts by concern).
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import yaml from 'js-yaml'
import { CHART, ROOT, parseManifests, render, runCommand, type K8sObject } from './helm.js'

/** Runs test/chart/render-install.sh with flag and checks the committed file equals its output; returns the output. */
function expectRenderInstallOutputCommitted (flag: string, file: string): string {
  const r = runCommand('bash', [join(ROOT, 'test/chart/render-install.sh'), flag])
  expect(r.status).toBe(0)
  expect(existsSync(join(ROOT, file))).toBe(true)
  expect(readFileSync(join(ROOT, file), 'utf8')).toBe(r.stdout)
  return r.stdout
}

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
    expectRenderInstallOutputCommitted('--stdout', 'manifests/install.yaml')
  })

  it('manifests/monitoring/lattice-prometheusrule.yaml is the chart\'s PrometheusRule (re-run test/chart/render-install.sh)', () => {
    const [rule] = parseManifests(expectRenderInstallOutputCommitted('--stdout-rule', 'manifests/monitoring/lattice-prometheusrule.yaml'))
    expect(rule?.kind).toBe('PrometheusRule')
    const source = yaml.load(readFileSync(join(ROOT, 'manifests/monitoring/lattice-rules.yaml'), 'utf8')) as { groups: unknown[] }
    expect((rule as unknown as { spec: { groups: unknown[] } }).spec.groups).toEqual(source.groups)
  })

  // Golden-file snapshot of the widest rendering (cdk8s style). Update after an intended chart change:
  //   LATTICE_UPDATE_SNAPSHOTS=1 <jest> test/chart/chart-files
  it('the HA + monitoring rendering matches test/chart/snapshots/ha-monitoring.yaml', () => {
    const golden = join(ROOT, 'test/chart/snapshots/ha-monitoring.yaml')
    const rendered = render({ values: ['ha-monitoring'] })
    if (process.env.LATTICE_UPDATE_SNAPSHOTS === '1') writeFileSync(golden, rendered)
    expect(existsSync(golden)).toBe(true)
    expect(rendered).toBe(readFileSync(golden, 'utf8'))
  })
})
