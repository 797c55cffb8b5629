/**
 * The operator as the chart installs it, without an image: `helm install` a release into a real control
 * plane, then run lattice-operator (the compiled entry point) as the release's ServiceAccount (a
 * TokenRequest token in a kubeconfig, not admin) with the environment of the Deployment the chart
 * rendered. Used by the RBAC tests (operator-rbac.test.ts, rbac-audit.test.ts).
 */
import { freePort, registerDump, waitFor } from '../../packages/testkit/src/index.js'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { V1Deployment } from '@kubernetes/client-node'
import yaml from 'js-yaml'
import type { ClusterContext } from '../cluster/harness.js'
import { nodeBinary } from '../cluster/binaries.js'
import { httpGet } from '../cluster/http.js'
import type { CommandResult } from '../cluster/controlplane.js'
import type { ManagedProcess } from '../cluster/process.js'
import { CHART, ROOT } from './helm.js'

export const OPERATOR_MAIN = fileURLToPath(new URL('../../operator/src/main.js', import.meta.url))

export class CommandFailedError extends Error {
  constructor (what: string, r: CommandResult) {
    super(`${what} failed (${r.code}): ${r.stderr}`)
    this.name = 'CommandFailedError'
  }
}

export function mustSucceed (r: CommandResult, what: string): CommandResult {
  if (r.code !== 0) throw new CommandFailedError(what, r)
  return r
}

export interface InstalledRelease {
  release: string
  namespace: string
  fullname: string
  serviceAccount: string
  /** The operator container's environment (literal values) and args as the chart rendered them. */
  env: Record<string, string>
  args: string[]
  /** A kubeconfig holding a token of the release's ServiceAccount. */
  kubeconfig: string
}

export interface RunningReleaseOperator {
  proc: ManagedProcess
  metricsPort: number
  healthPort: number
}

/** `helm install` (extra helm args in `helmArgs`), then a ServiceAccount token kubeconfig in `dir`. */
export async function installRelease (cluster: ClusterContext, dir: string, release: string, namespace: string, set: string[], helmArgs: string[] = []): Promise<InstalledRelease> {
  mustSucceed(await cluster.helm(['install', release, CHART, '-n', namespace, '--create-namespace', ...set.flatMap(s => ['--set', s]), ...helmArgs], { timeoutMs: 120_000 }), 'helm install')
  const fullname = release.includes('lattice-operator') ? release : `${release}-lattice-operator`
  const deployment = JSON.parse(mustSucceed(await cluster.kubectl(['get', 'deployment', '-n', namespace, fullname, '-o', 'json']), 'get deployment').stdout) as V1Deployment
  const container = deployment.spec?.template.spec?.containers[0]
  const serviceAccount = deployment.spec?.template.spec?.serviceAccountName ?? ''
  const token = mustSucceed(await cluster.kubectl(['create', 'token', serviceAccount, '-n', namespace, '--duration=2h']), 'create token')
  const kubeconfig = join(dir, `${release}.kubeconfig`)
  writeFileSync(kubeconfig, yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority': cluster.controlPlane?.pki.caCert } }],
    users: [{ name: 'operator', user: { token: token.stdout.trim() } }],
    contexts: [{ name: 'operator', context: { cluster: 'local', user: 'operator' } }],
    'current-context': 'operator'
  }))
  const env: Record<string, string> = {}
  for (const e of container?.env ?? []) if (e.value !== undefined) env[e.name] = e.value
  return { release, namespace, fullname, serviceAccount, env, args: container?.args ?? [], kubeconfig }
}

/**
 * Starts one operator replica of the release as a process (pod name `podName`) with the chart's
 * environment as the kubelet would give it; only the ports move to free ones. Resolves once healthy.
 */
export async function runReleaseOperator (cluster: ClusterContext, dir: string, r: InstalledRelease, podName: string): Promise<RunningReleaseOperator> {
  if (!existsSync(OPERATOR_MAIN)) throw new Error(`${OPERATOR_MAIN} missing: build first`)
  const [metricsPort, healthPort] = [await freePort(), await freePort()]
  const processes = cluster.controlPlane?.processes
  if (processes == null) throw new Error('private control plane expected')
  const proc = processes.spawn({
    name: podName,
    command: nodeBinary(),
    args: [OPERATOR_MAIN, ...r.args],
    logFile: join(dir, `${podName}.log`),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      ...r.env,
      POD_NAME: podName,
      POD_NAMESPACE: r.namespace,
      KUBECONFIG: r.kubeconfig,
      LATTICE_METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      LATTICE_HEALTH_ADDR: `127.0.0.1:${healthPort}`
    },
    cwd: ROOT
  })
  registerDump({ name: `operator ${podName} log`, dump: () => proc.tail(12_000), live: () => !proc.hasExited() })
  await waitFor(`${podName} healthy`, async () => {
    if (proc.hasExited()) throw new Error(`operator exited: ${proc.tail(3000)}`)
    return (await httpGet(`http://127.0.0.1:${healthPort}/healthz`, 2000).catch(() => ({ status: 0 }))).status === 200
  }, { timeoutMs: 60_000, intervalMs: 200 })
  return { proc, metricsPort, healthPort }
}

/** Lines of an operator's log that report a refused request. */
export function refusals (proc: ManagedProcess): string[] {
  return proc.tail(200_000).split('\n').filter(l => /forbidden|\b403\b/i.test(l))
}
