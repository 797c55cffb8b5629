// The chart's monitoring objects with the real helm and promtool: ServiceMonitor, PodMonitor, the
// PrometheusRule made from the one rules file, and the Grafana dashboard (split from chart.test.ts by concern).
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { V1Service } from '@kubernetes/client-node'
import yaml from 'js-yaml'
import { CHART, ROOT, findObject, helm, parseManifests, render, runCommand, type K8sObject } from './helm.js'
import { nodeLabels } from '../../operator/src/builders/names.js'

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
