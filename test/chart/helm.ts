/** Runs the real helm (from the control-plane build) on the chart, for the chart tests. */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import yaml from 'js-yaml'
import { locateBinaries } from '../cluster/binaries.js'
import { repoRoot } from '../monitoring/repo-root.js'

export const ROOT = repoRoot()
export const CHART = join(ROOT, 'charts/lattice-operator')
export const VALUES_DIR = join(ROOT, 'test/chart/values')
export const RELEASE = 'lattice-operator'
export const NAMESPACE = 'lattice-system'
/** The same fixed version test/chart/render-install.sh renders with. */
export const KUBE_VERSION = '1.37.2'

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string, namespace?: string, labels?: Record<string, string>, annotations?: Record<string, string> }
  [key: string]: unknown
}

export interface CommandOutput { status: number | null, stdout: string, stderr: string }

export function helmBinary (): string {
  return process.env.HELM ?? locateBinaries(['helm']).helm
}

export function runCommand (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs?: number } = {}): CommandOutput {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 })
  if (r.error != null) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

export function helm (args: string[]): CommandOutput {
  return runCommand(helmBinary(), args)
}

export interface RenderOptions {
  /** Values files under test/chart/values (names without .yaml). */
  values?: string[]
  /** --set expressions. */
  set?: string[]
  namespace?: string
}

export function templateArgs (opts: RenderOptions = {}): string[] {
  return [
    'template', RELEASE, CHART, '--namespace', opts.namespace ?? NAMESPACE, '--kube-version', KUBE_VERSION,
    ...(opts.values ?? []).flatMap(v => ['--values', join(VALUES_DIR, `${v}.yaml`)]),
    ...(opts.set ?? []).flatMap(s => ['--set', s])
  ]
}

/** `helm template`; throws with helm's message when it fails. */
export function render (opts: RenderOptions = {}): string {
  const r = helm(templateArgs(opts))
  if (r.status !== 0) throw new Error(`helm template failed (${String(r.status)}): ${r.stderr}`)
  return r.stdout
}

export function parseManifests (text: string): K8sObject[] {
  return yaml.loadAll(text).filter((d): d is K8sObject => d != null && typeof d === 'object')
}

export function findObject (objects: K8sObject[], kind: string, name?: string, namespace?: string): K8sObject {
  const found = objects.filter(o => o.kind === kind && (name == null || o.metadata.name === name) &&
    (namespace == null || o.metadata.namespace === namespace))
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''} ${namespace ?? ''}, found ${found.length}`)
  return found[0] as K8sObject
}
