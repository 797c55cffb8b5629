import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { kubernetesVersion, repoRoot } from '../binaries.js'
import { RealNodeBinariesMissingError } from './errors.js'

export const REAL_NODE_BINARIES = ['kubelet', 'kube-proxy', 'containerd', 'containerd-shim-runc-v2', 'ctr', 'coredns', 'pause'] as const
export type RealNodeBinary = typeof REAL_NODE_BINARIES[number]

/** The Debian programs the real node uses (installed by test/realnode/install-packages.sh). */
export const HOST_PROGRAMS = { runc: '/usr/sbin/runc', cniBinDir: '/usr/lib/cni', busybox: '/bin/busybox' } as const

/** Versions of test/realnode/versions.env (containerd, CoreDNS) and of the Kubernetes module. */
export function realNodeVersions (root = repoRoot()): { kubernetes: string, containerd: string, coredns: string } {
  const env = fs.readFileSync(path.join(root, 'test', 'realnode', 'versions.env'), 'utf8')
  const get = (key: string): string => {
    const m = new RegExp(`^${key}=(\\S+)`, 'm').exec(env)
    if (m == null) throw new Error(`test/realnode/versions.env has no ${key}`)
    return m[1]
  }
  return { kubernetes: kubernetesVersion(root), containerd: get('CONTAINERD_VERSION'), coredns: get('COREDNS_VERSION') }
}

/** ${LATTICE_CACHE_DIR:-~/.cache/lattice}/realnode: where test/realnode/build.sh puts its binaries. */
export function realNodeCacheDir (): string {
  return path.join(process.env.LATTICE_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'lattice'), 'realnode')
}

/** Absolute paths of the real node's binaries and host programs; a clear error naming `make realnode` when any is missing. */
export function locateRealNodeBinaries (): Record<RealNodeBinary, string> & typeof HOST_PROGRAMS {
  const v = realNodeVersions()
  const cache = realNodeCacheDir()
  const dirOf: Record<RealNodeBinary, string> = {
    kubelet: `k8s-${v.kubernetes}`,
    'kube-proxy': `k8s-${v.kubernetes}`,
    containerd: `containerd-${v.containerd}`,
    'containerd-shim-runc-v2': `containerd-${v.containerd}`,
    ctr: `containerd-${v.containerd}`,
    coredns: `coredns-${v.coredns}`,
    pause: `pause-${v.kubernetes}`
  }
  const out = { ...HOST_PROGRAMS } as Record<RealNodeBinary, string> & typeof HOST_PROGRAMS
  const missing: string[] = []
  for (const name of REAL_NODE_BINARIES) {
    const p = path.join(cache, dirOf[name], 'bin', name)
    if (isExecutable(p)) out[name] = p
    else missing.push(p)
  }
  for (const p of [HOST_PROGRAMS.runc, path.join(HOST_PROGRAMS.cniBinDir, 'bridge'), HOST_PROGRAMS.busybox, '/usr/sbin/nft']) {
    if (!isExecutable(p)) missing.push(p)
  }
  if (missing.length > 0) throw new RealNodeBinariesMissingError(missing)
  return out
}

function isExecutable (p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The archives of `make images` (images/build.sh: ${LATTICE_CACHE:-~/.cache/lattice}/images/
 * lattice-node.tar and lattice-operator.tar); a clear error naming `make images` when one is missing.
 */
export function builtImageArchives (): string[] {
  const dir = path.join(process.env.LATTICE_CACHE ?? path.join(os.homedir(), '.cache', 'lattice'), 'images')
  const archives = ['lattice-node.tar', 'lattice-operator.tar'].map(f => path.join(dir, f))
  const missing = archives.filter(a => !fs.existsSync(a))
  if (missing.length > 0) throw new RealNodeBinariesMissingError(missing, 'make images')
  return archives
}
