/** P2P egress of node processes from the kernel's per-socket counters (`ss -tinp`). */
import { execFileSync } from 'node:child_process'
import type { NodeProcess } from '../../packages/testkit/src/node/index.js'

/** TCP bytes sent so far per node process on P2P connections (open sockets only), from `ss -tinp`. */
export function p2pBytesSent (nodes: NodeProcess[]): Map<number, number> {
  const p2pPorts = new Set(nodes.map(n => String(n.p2pPort)))
  const pids = new Set(nodes.map(n => n.child.pid))
  const out = execFileSync('ss', ['-tinpH', 'state', 'established'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const sent = new Map<number, number>()
  const lines = out.split('\n')
  for (let i = 0; i < lines.length - 1; i++) {
    const m = /^\s*\d+\s+\d+\s+\S+:(\d+)\s+\S+:(\d+)\s+users:\(\("[^"]*",pid=(\d+),/.exec(lines[i])
    if (m === null) continue
    const [, local, remote, pidText] = m
    const pid = Number(pidText)
    if (!pids.has(pid) || (!p2pPorts.has(local) && !p2pPorts.has(remote))) continue
    const bytes = /bytes_sent:(\d+)/.exec(lines[i + 1])
    if (bytes !== null) sent.set(pid, (sent.get(pid) ?? 0) + Number(bytes[1]))
  }
  return sent
}

