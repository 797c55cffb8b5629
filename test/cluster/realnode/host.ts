/**
 * What a real node changes on the host, and how it is undone: a bridge, two sysctls, nftables
 * tables, cgroups, mounts, and the containerd shims that run outside every process group the
 * harness started. Everything here is keyed by names a real node owns alone (one real node per
 * machine at a time: see lock.ts).
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { CommandFailedError } from '../errors.js'

const execFileP = promisify(execFile)

export async function run (cmd: string, args: string[], input?: string): Promise<string> {
  try {
    const child = execFileP(cmd, args, { maxBuffer: 16 * 1024 * 1024 })
    if (input != null) child.child.stdin?.end(input)
    return (await child).stdout
  } catch (err) {
    const e = err as { code?: number, stderr?: string }
    throw new CommandFailedError([cmd, ...args], typeof e.code === 'number' ? e.code : null, e.stderr ?? String(err))
  }
}

/** The nftables table of the pod network's fence (kube-proxy keeps its own `kube-proxy` tables). */
export const FENCE_TABLE = 'lattice_realnode'

/**
 * The bridge with the node's address, forwarding on (a ClusterIP's traffic is routed back into the
 * bridge), bridged traffic through netfilter (a Service's replies between two pods of the bridge),
 * and a fence: nothing from the pod bridge is forwarded to any other interface, so no pod packet
 * leaves this machine's own namespaces whatever a test does.
 */
export async function setUpPodNetwork (bridge: string, nodeIp: string, prefixLength: number): Promise<void> {
  if (!fs.existsSync(`/sys/class/net/${bridge}`)) await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge'])
  await run('ip', ['addr', 'replace', `${nodeIp}/${prefixLength}`, 'dev', bridge])
  await run('ip', ['link', 'set', bridge, 'up'])
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1')
  fs.writeFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', '1')
  await run('nft', ['delete', 'table', 'inet', FENCE_TABLE]).catch(() => undefined)
  await run('nft', ['-f', '-'], `table inet ${FENCE_TABLE} {
  chain forward {
    type filter hook forward priority -10; policy accept;
    iifname "${bridge}" oifname != "${bridge}" counter drop
  }
}
`)
}

/** The kubelet's own iptables chains (canaries, the 127/8 firewall), undone with the iptables tools they were made with. */
const KUBELET_IPTABLES: string[][] = [
  ['-D', 'INPUT', '-j', 'KUBE-FIREWALL'], ['-D', 'OUTPUT', '-j', 'KUBE-FIREWALL'], ['-F', 'KUBE-FIREWALL'], ['-X', 'KUBE-FIREWALL'],
  ...['filter', 'nat', 'mangle'].map(t => ['-t', t, '-X', 'KUBE-KUBELET-CANARY']),
  ['-t', 'mangle', '-X', 'KUBE-IPTABLES-HINT']
]

/** Removes the fence, kube-proxy's tables, the kubelet's iptables chains and the bridge (its veths went with the pods' namespaces). */
export async function tearDownPodNetwork (bridge: string): Promise<void> {
  for (const table of [['inet', FENCE_TABLE], ['ip', 'kube-proxy'], ['ip6', 'kube-proxy']]) {
    await run('nft', ['delete', 'table', ...table]).catch(() => undefined)
  }
  for (const tool of ['iptables', 'ip6tables']) {
    for (const args of KUBELET_IPTABLES) await run(tool, ['-w', '5', ...args]).catch(() => undefined)
  }
  if (fs.existsSync(`/sys/class/net/${bridge}`)) await run('ip', ['link', 'del', bridge]).catch(() => undefined)
}

/** Mount points of every cgroup v1 hierarchy (cpu, memory, pids, name=systemd, …). */
export function cgroupV1Hierarchies (): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map(line => line.split(' '))
    .filter(f => f.length > 8 && f[f.indexOf('-') + 1] === 'cgroup')
    .map(f => f[4])
}

/**
 * Creates `/<name>` in every v1 hierarchy, the kubelet's cgroupRoot. A new cpuset cgroup has no
 * CPUs or memory nodes: copy the parent's, or no process could join it.
 */
export function createCgroupRoot (name: string): void {
  for (const h of cgroupV1Hierarchies()) {
    const dir = path.join(h, name)
    fs.mkdirSync(dir, { recursive: true })
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      const file = path.join(dir, f)
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() === '') fs.writeFileSync(file, fs.readFileSync(path.join(h, f)))
    }
  }
}

function cgroupDirsDeepestFirst (root: string): string[] {
  const out: string[] = []
  const walk = (dir: string): void => {
    let entries: fs.Dirent[]
    try { entries = fs.readdirSync(dir, { withFileTypes: true }) } catch { return }
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name))
    out.push(dir)
  }
  walk(root)
  return out
}

/** PIDs of every process in `/<name>` and below, in any hierarchy. */
export function cgroupTreePids (name: string): number[] {
  const pids = new Set<number>()
  for (const h of cgroupV1Hierarchies()) {
    for (const dir of cgroupDirsDeepestFirst(path.join(h, name))) {
      try {
        for (const l of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (l !== '') pids.add(Number(l))
      } catch { /* removed meanwhile */ }
    }
  }
  return [...pids]
}

/** SIGKILLs every process of the cgroup tree (the pods' containers) and removes the cgroups, deepest first. */
export async function removeCgroupTree (name: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const pids = cgroupTreePids(name)
    if (pids.length === 0) break
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
    if (Date.now() > deadline) throw new Error(`processes of cgroup /${name} survive SIGKILL: ${pids.join(', ')}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  for (const h of cgroupV1Hierarchies()) {
    for (const dir of cgroupDirsDeepestFirst(path.join(h, name))) {
      for (;;) {
        try { fs.rmdirSync(dir); break } catch (err) {
          const code = (err as NodeJS.ErrnoException).code
          if (code === 'ENOENT') break
          // EBUSY right after the last process died: the kernel frees the cgroup asynchronously.
          if (code !== 'EBUSY' || Date.now() > deadline) throw err
          await new Promise(resolve => setTimeout(resolve, 100))
        }
      }
    }
  }
}

/** Processes whose command line contains `needle` (a containerd socket path names its shims). */
export function processesMentioning (needle: string): number[] {
  const out: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) out.push(Number(entry))
    } catch { /* gone */ }
  }
  return out
}

/** Mount points at or under `dir`, deepest first. */
export function mountsUnder (dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map(line => line.split(' ')[4])
    .filter((m): m is string => m != null && (m === dir || m.startsWith(prefix)))
    .map(m => m.replace(/\\040/g, ' '))
    .sort((a, b) => b.length - a.length)
}

/** Unmounts (lazily, so a busy one cannot block the teardown) everything under `dir`: overlay roots, volume tmpfs, network namespace files. */
export async function unmountUnder (dir: string): Promise<void> {
  for (const m of mountsUnder(dir)) await run('umount', ['-l', m]).catch(() => undefined)
}
