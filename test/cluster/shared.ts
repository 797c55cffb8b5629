import fs from 'node:fs'
import path from 'node:path'

/** What a process that started the shared control plane tells the test workers (a JSON file). */
export interface SharedClusterInfo {
  kubeconfigPath: string
  server: string
  apiPort: number
  caCert: string
  stateDir: string
  kubeletRoot: string
  nodeName: string
  binDir: string
}

/** The env var naming the shared cluster's info file (set by the jest global setup). */
export const SHARED_CLUSTER_ENV = 'LATTICE_SHARED_CLUSTER'

export function readSharedCluster (): SharedClusterInfo | undefined {
  const file = process.env[SHARED_CLUSTER_ENV]
  if (file == null || file === '' || !fs.existsSync(file)) return undefined
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SharedClusterInfo
}

export function writeSharedCluster (stateDir: string, info: SharedClusterInfo): string {
  const file = path.join(stateDir, 'shared-cluster.json')
  fs.writeFileSync(file, JSON.stringify(info, null, 2))
  return file
}

/** Tails of the container logs of pods named `name` in `namespace` under a kubelet root. */
export function podLogsFromDisk (kubeletRoot: string, namespace: string, name: string, bytes = 3000): string {
  const podsDir = path.join(kubeletRoot, 'pods')
  if (!fs.existsSync(podsDir)) return ''
  const out: string[] = []
  for (const d of fs.readdirSync(podsDir).filter(d => d.startsWith(`${namespace}_${name}_`))) {
    const logs = path.join(podsDir, d, 'logs')
    if (!fs.existsSync(logs)) continue
    for (const f of fs.readdirSync(logs)) {
      const content = fs.readFileSync(path.join(logs, f), 'utf8')
      out.push(`--- ${namespace}/${name}/${f} ---\n${content.slice(-bytes)}`)
    }
  }
  return out.join('\n')
}
