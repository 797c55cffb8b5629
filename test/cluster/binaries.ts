import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ControlPlaneBinariesMissingError } from './errors.js'

export const CONTROL_PLANE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'helm'] as const
export type ControlPlaneBinary = typeof CONTROL_PLANE_BINARIES[number]

/**
 * The repository root. The compiled harness may live outside the work tree (LATTICE_DIST), so
 * source files (go.mod, crds/) are found from LATTICE_ROOT, else from the working directory
 * upwards, else from this file upwards.
 */
export function repoRoot (): string {
  if (process.env.LATTICE_ROOT != null && process.env.LATTICE_ROOT !== '') return process.env.LATTICE_ROOT
  const starts = [process.cwd(), path.dirname(fileURLToPath(import.meta.url))]
  for (const start of starts) {
    let dir = start
    for (;;) {
      if (fs.existsSync(path.join(dir, 'test', 'controlplane', 'go.mod'))) return dir
      const parent = path.dirname(dir)
      if (parent === dir) break
      dir = parent
    }
  }
  throw new Error('cannot find the Lattice repository root (set LATTICE_ROOT)')
}

/** The pinned Kubernetes version, read from test/controlplane/go.mod. */
export function kubernetesVersion (root = repoRoot()): string {
  const gomod = fs.readFileSync(path.join(root, 'test', 'controlplane', 'go.mod'), 'utf8')
  const m = /^\s*k8s\.io\/kubernetes\s+(v\S+)/m.exec(gomod)
  if (m == null) throw new Error('test/controlplane/go.mod does not require k8s.io/kubernetes')
  return m[1]
}

/** Where build.sh puts the binaries: LATTICE_K8S_BIN, else ${LATTICE_CACHE_DIR:-~/.cache/lattice}/k8s-<version>/bin. */
export function binDir (): string {
  if (process.env.LATTICE_K8S_BIN != null && process.env.LATTICE_K8S_BIN !== '') return process.env.LATTICE_K8S_BIN
  const cache = process.env.LATTICE_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'lattice')
  return path.join(cache, `k8s-${kubernetesVersion()}`, 'bin')
}

/** Absolute paths of the given binaries; a clear error telling to run `make controlplane` when any is missing. */
export function locateBinaries<B extends ControlPlaneBinary> (names: readonly B[] = CONTROL_PLANE_BINARIES as unknown as B[]): Record<B, string> {
  const dir = binDir()
  const out = {} as Record<B, string>
  const missing: string[] = []
  for (const name of names) {
    const p = path.join(dir, name)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      out[name] = p
    } catch {
      missing.push(name)
    }
  }
  if (missing.length > 0) throw new ControlPlaneBinariesMissingError(dir, missing)
  return out
}

/** The pinned Node 24 binary that runs the project's programs. */
export function nodeBinary (): string {
  const candidate = path.join(repoRoot(), 'node_modules', '.bin', 'node')
  return fs.existsSync(candidate) ? candidate : process.execPath
}
