/**
 * Network namespaces for partitions: each node gets its own namespace with one address on a bridge
 * in the test's namespace (the test reaches every node all along). A cut between two sets of nodes is
 * iptables DROP inside their namespaces (silent: no RST, no ICMP), both directions, for every pair
 * across the cut; heal flushes those rules. Needs root; everything made here is named after this
 * process and removed by destroy().
 */
import { execFileSync } from 'node:child_process'
import { randomInt } from 'node:crypto'

const IP = '/usr/sbin/ip'
const IPTABLES = '/usr/sbin/iptables'

function run (file: string, args: string[]): void {
  execFileSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Why namespaces cannot be made here, or null. */
export function netnsSkipReason (): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root'
  try {
    run(IP, ['-V'])
    run(IPTABLES, ['--version'])
  } catch {
    return `${IP} or ${IPTABLES} missing (make test-deps installs them)`
  }
  return null
}

export interface NetnsLab {
  /** Address of node i inside its namespace. */
  ip(i: number): string
  /** The command prefix that runs a program in node i's namespace. */
  wrap(i: number): string[]
  /** Silently drop every packet between the nodes of `a` and those of `b`. */
  cut(a: number[], b: number[]): void
  heal(): void
  destroy(): void
}

export function createNetnsLab (n: number): NetnsLab {
  const tag = `lc${process.pid % 10000}${randomInt(10, 99)}`
  const subnet = `10.231.${randomInt(1, 254)}`
  const bridge = `${tag}br`
  const ns = (i: number): string => `${tag}n${i}`
  const ip = (i: number): string => `${subnet}.${10 + i}`
  const forward = ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT']
  const made: Array<() => void> = []
  const lab: NetnsLab = {
    ip,
    wrap: i => [IP, 'netns', 'exec', ns(i)],
    cut (a, b) {
      for (const i of a) {
        for (const j of b) {
          for (const [x, y] of [[i, j], [j, i]]) {
            run(IP, ['netns', 'exec', ns(x), IPTABLES, '-A', 'INPUT', '-s', ip(y), '-j', 'DROP'])
            run(IP, ['netns', 'exec', ns(x), IPTABLES, '-A', 'OUTPUT', '-d', ip(y), '-j', 'DROP'])
          }
        }
      }
    },
    heal () {
      for (let i = 0; i < n; i++) run(IP, ['netns', 'exec', ns(i), IPTABLES, '-F'])
    },
    destroy () {
      for (const undo of made.splice(0).reverse()) {
        try { undo() } catch { /* already gone */ }
      }
    }
  }
  try {
    run(IP, ['link', 'add', bridge, 'type', 'bridge'])
    made.push(() => run(IP, ['link', 'del', bridge]))
    run(IP, ['addr', 'add', `${subnet}.1/24`, 'dev', bridge])
    run(IP, ['link', 'set', bridge, 'up'])
    // Bridged frames pass the host's FORWARD chain when br_netfilter is loaded: let ours through.
    run(IPTABLES, ['-I', ...forward])
    made.push(() => run(IPTABLES, ['-D', ...forward]))
    for (let i = 0; i < n; i++) {
      run(IP, ['netns', 'add', ns(i)])
      made.push(() => run(IP, ['netns', 'del', ns(i)]))
      run(IP, ['link', 'add', `${tag}v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(i)])
      run(IP, ['link', 'set', `${tag}v${i}`, 'master', bridge, 'up'])
      run(IP, ['-n', ns(i), 'addr', 'add', `${ip(i)}/24`, 'dev', 'eth0'])
      run(IP, ['-n', ns(i), 'link', 'set', 'eth0', 'up'])
      run(IP, ['-n', ns(i), 'link', 'set', 'lo', 'up'])
    }
  } catch (err) {
    lab.destroy()
    throw err
  }
  return lab
}
