// The chart's RBAC is enough for the real operator: `helm install` into a real control plane, then run
// lattice-operator (the compiled entry point) as the release's ServiceAccount (a TokenRequest token, not
// admin) with the environment of the Deployment the chart rendered, and watch it fully reconcile a
// sample network: every child created, status written, no request refused. Namespaced and cluster-wide
// with leader election (Lease rights get/create/update only).
// No kubelet here: pods stay Pending, which is all RBAC needs (pod behaviour is tested elsewhere).
import { parsePrometheusText, sampleValue, waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import yaml from 'js-yaml'
import { useCluster } from '../cluster/harness.js'
import { createTestNamespace } from '../cluster/namespace.js'
import { locateBinaries } from '../cluster/binaries.js'
import { httpGet } from '../cluster/http.js'
import type { CommandResult } from '../cluster/controlplane.js'
import type { ManagedProcess } from '../cluster/process.js'
import { ROOT } from './helm.js'
import { installRelease, refusals, runReleaseOperator } from './release-operator.js'

function expectOk (r: CommandResult, what: string): void {
  expect({ what, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ what, code: 0, stderr: '' })
}

interface Named { metadata: { name: string } }

describe('the operator reconciles with nothing but the chart\'s RBAC', () => {
  const cluster = useCluster({ shared: false, kubelet: false }, 'rbac')
  let tmp = ''
  const operators: ManagedProcess[] = []

  beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'lattice-rbac-')) })
  afterAll(async () => {
    for (const p of operators) await p.stop(5000)
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true })
  }, 60_000)

  async function kubectlJson<T> (args: string[]): Promise<T> {
    const r = await cluster.kubectl([...args, '-o', 'json'])
    expectOk(r, args.join(' '))
    return JSON.parse(r.stdout) as T
  }

  async function names (kind: string, namespace: string): Promise<string[]> {
    const list = await kubectlJson<{ items: Named[] }>(['get', kind, '-n', namespace])
    return list.items.map(i => i.metadata.name).sort()
  }

  /** Installs a release and starts the operator as its ServiceAccount with the rendered Deployment's env. */
  async function installAndRun (release: string, namespace: string, set: string[]): Promise<{ proc: ManagedProcess, metricsPort: number, env: Record<string, string> }> {
    // The control plane applied crds/ at start: these releases leave the CRDs alone.
    const r = await installRelease(cluster, tmp, release, namespace, ['crds.enabled=false', ...set])
    const { proc, metricsPort } = await runReleaseOperator(cluster, tmp, r, `${r.fullname}-0`)
    operators.push(proc)
    return { proc, metricsPort, env: r.env }
  }

  /** Every child of a network exists and its status is current. */
  async function waitReconciled (namespace: string, network: string, replicas: number, proc: ManagedProcess): Promise<void> {
    const nodes = Array.from({ length: replicas }, (_, i) => `${network}-${i}`)
    let missing: string[] = ['(not checked yet)']
    try {
      await waitFor(`network ${namespace}/${network} reconciled`, async () => {
        if (proc.hasExited()) throw new Error(`operator exited: ${proc.tail(3000)}`)
        const lnet = await kubectlJson<{ metadata: { generation: number }, status?: { observedGeneration?: number } }>(['get', 'lnet', '-n', namespace, network])
        const lnodes = await kubectlJson<{ items: Array<Named & { status?: { peerId?: string } }> }>(['get', 'lnode', '-n', namespace])
        const [secrets, pvcs, pods, services, configmaps, pdbs, networkPolicies] = await Promise.all(
          ['secrets', 'pvc', 'pods', 'services', 'configmaps', 'pdb', 'networkpolicies'].map(async k => await names(k, namespace)))
        const want = (kind: string, have: string[] | undefined, expected: string[]): string[] =>
          expected.filter(e => !(have ?? []).includes(e)).map(e => `${kind}/${e}`)
        missing = [
          ...(lnet.status?.observedGeneration === lnet.metadata.generation ? [] : [`lnet status.observedGeneration ${String(lnet.status?.observedGeneration)} != ${lnet.metadata.generation}`]),
          ...want('lnode', lnodes.items.map(n => n.metadata.name), nodes),
          ...lnodes.items.filter(n => (n.status?.peerId ?? '') === '').map(n => `lnode/${n.metadata.name} status.peerId`),
          ...want('secret', secrets, [`${network}-secrets`, ...nodes.map(n => `${n}-identity`)]),
          ...want('pvc', pvcs, nodes.map(n => `${n}-data`)),
          ...want('pod', pods, nodes),
          ...want('service', services, [`${network}-headless`, ...nodes]),
          ...want('configmap', configmaps, [`${network}-peers`]),
          ...want('pdb', pdbs, [network]),
          ...want('networkpolicy', networkPolicies, [`${network}-nodes`])
        ]
        return missing.length === 0
      }, { timeoutMs: 120_000, intervalMs: 500 })
    } catch (err) {
      throw new Error(`${(err as Error).message}\nmissing: ${missing.join(', ')}\noperator log:\n${proc.tail(4000)}`)
    }
  }

  let namespacedMetricsPort = 0

  it('namespaced: reconciles a network in its namespace and leaves another namespace alone', async () => {
    const watched = cluster.namespace
    const other = await createTestNamespace(cluster.kubeConfig(), 'rbac-other')
    // Release name lattice-operator: the Deployment and ServiceAccount get the names the runbooks use.
    const { proc, env, metricsPort } = await installAndRun('lattice-operator', 'lattice-ops', ['rbac.clusterWide=false', `watchNamespaces={${watched}}`])
    expect(env.LATTICE_WATCH_NAMESPACE).toBe(watched)

    for (const ns of [watched, other]) {
      expectOk(await cluster.kubectl(['apply', '-n', ns, '-f', join(ROOT, 'manifests/samples/minimal.yaml')]), `apply minimal in ${ns}`)
    }
    await waitReconciled(watched, 'aethel', 3, proc)
    expect(await names('lnode', other)).toEqual([])
    expect(await names('secrets', other)).toEqual([])
    expect(refusals(proc)).toEqual([])
    namespacedMetricsPort = metricsPort
  }, 300_000)

  // The runbooks' read-only kubectl commands (get, describe, auth can-i, and the variable assignments of
  // their common setup), run as written against the reconciled network: names, short names, jsonpaths
  // and the operator's Deployment name must all exist.
  it('the runbooks\' kubectl commands work against the reconciled network', async () => {
    const dir = join(ROOT, 'docs/runbooks')
    const lines = readdirSync(dir).filter(f => f.endsWith('.md'))
      .flatMap(f => [...readFileSync(join(dir, f), 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(m => (m[1] ?? '').split('\n')))
      .map(l => l.trim().replace(/\s+# .*$/, ''))
      .filter(l => /^([A-Z_]+=\$\()?kubectl (get|describe|auth can-i) /.test(l))
    expect(lines.length).toBeGreaterThanOrEqual(20)
    const prelude = `NS=${cluster.namespace}; NET=aethel; NODE=aethel-0; POD=aethel-0; OPNS=lattice-ops`
    for (const line of [...new Set(lines)]) {
      const assignment = /^([A-Z_]+)=\$\(/.exec(line)?.[1]
      // A plain command's trailing filters (| grep, | tail) may legitimately find nothing: drop them.
      const command = assignment != null ? `${line}; test -n "$${assignment}"` : line.split(' | ')[0] ?? line
      const r = spawnSync('bash', ['-c', `set -o pipefail; ${prelude}; ${command}`], {
        encoding: 'utf8', timeout: 60_000, env: { PATH: `${dirname(locateBinaries(['kubectl']).kubectl)}:${process.env.PATH ?? ''}`, KUBECONFIG: cluster.kubeconfigPath, HOME: tmp }
      })
      expect({ line, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ line, status: 0, stderr: '' })
    }
  }, 180_000)

  // The shipped alert rules against what the real operator exports: its /metrics (nodes whose pods never
  // run, so they do not answer) fed to promtool as series held for 5 minutes must fire LatticeNodeDown for
  // each node, with the labels the rules and runbooks use, and nothing else.
  it('its metrics fire LatticeNodeDown, and only that, for nodes that do not answer', async () => {
    expect(namespacedMetricsPort).toBeGreaterThan(0)
    const nodes = ['aethel-0', 'aethel-1', 'aethel-2']
    const text = await waitFor('lattice_node_up 0 for every node', async () => {
      const body = (await httpGet(`http://127.0.0.1:${namespacedMetricsPort}/metrics`, 2000)).body
      return nodes.every(n => sampleValue(body, 'lattice_node_up', { namespace: cluster.namespace, network: 'aethel', node: n }) === 0) ? body : false
    }, { timeoutMs: 60_000, intervalMs: 250 })
    expect(sampleValue(text, 'lattice_operator_is_leader')).toBe(1)

    const target = 'job="lattice-operator",instance="10.0.0.5:8080"'
    const series = parsePrometheusText(text)
      .filter(s => /^lattice_(node|network)_\w+$|^lattice_operator_(is_leader|reconcile_total|reconcile_errors_total)$/.test(s.name))
      .map(s => ({ series: `${s.name}{${[...Object.entries(s.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`), target].join(',')}}`, values: `${s.value}x20` }))
    const rules = yaml.load(readFileSync(join(ROOT, 'manifests/monitoring/lattice-rules.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string, labels?: Record<string, string>, annotations?: Record<string, string> }> }> }
    const nodeDown = rules.groups.flatMap(g => g.rules).find(r => r.alert === 'LatticeNodeDown')
    const render = (template: string, labels: Record<string, string>): string => template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k] ?? '')
    const firing = nodes.map(node => {
      const labels = { job: 'lattice-operator', instance: '10.0.0.5:8080', namespace: cluster.namespace, network: 'aethel', node }
      return {
        exp_labels: { ...labels, ...nodeDown?.labels },
        exp_annotations: Object.fromEntries(Object.entries(nodeDown?.annotations ?? {}).map(([k, v]) => [k, render(v, labels)]))
      }
    })
    const others = rules.groups.flatMap(g => g.rules).map(r => r.alert).filter((a): a is string => a != null && a !== 'LatticeNodeDown')
    const testFile = join(tmp, 'operator-metrics.test.yaml')
    writeFileSync(testFile, yaml.dump({
      rule_files: [join(ROOT, 'manifests/monitoring/lattice-rules.yaml')],
      evaluation_interval: '15s',
      tests: [{
        interval: '15s',
        input_series: series,
        alert_rule_test: [
          { eval_time: '1m45s', alertname: 'LatticeNodeDown', exp_alerts: [] },
          { eval_time: '2m', alertname: 'LatticeNodeDown', exp_alerts: firing },
          ...others.map(a => ({ eval_time: '5m', alertname: a, exp_alerts: [] }))
        ]
      }]
    }, { lineWidth: -1 }))
    const r = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' })
    expect({ out: `${r.stdout}${r.stderr}`, status: r.status }).toEqual({ out: expect.stringContaining('SUCCESS'), status: 0 })
  }, 120_000)

  it('cluster-wide with leader election: takes the Lease and reconciles the three-site sample', async () => {
    // With its default ServiceAccount (no controller-manager here to make one), which pods need.
    const ns = await createTestNamespace(cluster.kubeConfig(), 'rbac-cw')
    const { proc, metricsPort, env } = await installAndRun('lattice-cw', 'lattice-cw-ops', ['replicaCount=2'])
    expect(env.LATTICE_LEADER_ELECT).toBe('true')
    expect(env.LATTICE_WATCH_NAMESPACE ?? '').toBe('') // the API server drops an empty value

    await waitFor('lattice_operator_is_leader 1', async () => {
      const r = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`, 2000)
      return sampleValue(r.body, 'lattice_operator_is_leader') === 1
    }, { timeoutMs: 60_000, intervalMs: 250 })
    const leases = await kubectlJson<{ items: Array<{ spec?: { holderIdentity?: string } }> }>(['get', 'leases', '-n', 'lattice-cw-ops'])
    expect(leases.items.length).toBe(1)
    expect(leases.items[0]?.spec?.holderIdentity ?? '').not.toBe('')

    expectOk(await cluster.kubectl(['apply', '-n', ns, '-f', join(ROOT, 'manifests/samples/three-site.yaml')]), 'apply three-site')
    await waitReconciled(ns, 'aethel', 1, proc)
    // The external peers reach the node through the peers ConfigMap.
    const peers = await kubectlJson<{ data?: Record<string, string> }>(['get', 'configmap', '-n', ns, 'aethel-peers'])
    expect(JSON.stringify(peers.data ?? {})).toContain('huggingface.co')
    expect(refusals(proc)).toEqual([])
  }, 300_000)
})
