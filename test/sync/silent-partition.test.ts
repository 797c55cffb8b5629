/**
 * A silent partition: every P2P packet between the three nodes is dropped (iptables DROP on loopback,
 * no RST, no FIN), while HTTP still works. Each node notices its silent peers by their missed pings,
 * fails over within the peerless timeout plus one poll of the cut (the peerless time counts from the
 * last contact, not from the detection), records written during the cut cross over HTTP, and once the
 * packets flow again the nodes go back to P2P with equal roots and nothing lost.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type Lattice, type NodeProcess, startConnectedLattice } from '../../packages/testkit/src/node/index.js'
import { converged, metric, status, write } from './helpers.js'

const TIMINGS = { AETHEL_HEARTBEAT_INTERVAL: '1', AETHEL_PEERLESS_TIMEOUT: '8', AETHEL_HTTP_POLL_INTERVAL: '1', AETHEL_LOG_LEVEL: 'warn' }
const TIMEOUT_MS = 8000
const POLL_MS = 1000
const CUT_MS = 30_000

/** DROP rules for the nodes' P2P ports, both directions (loopback packets all pass INPUT). */
function p2pDropRules (nodes: NodeProcess[]): string[][] {
  return nodes.flatMap(n => [['--dport', String(n.p2pPort)], ['--sport', String(n.p2pPort)]])
    .map(([flag, port]) => ['INPUT', '-p', 'tcp', flag, port, '-j', 'DROP'])
}

describe('silent partition', () => {
  let lattice: Lattice
  let rules: string[][] = []
  const unblock = (): void => {
    for (const rule of rules) execFileSync('iptables', ['-D', ...rule])
    rules = []
  }
  beforeAll(async () => {
    lattice = await startConnectedLattice(3, { env: TIMINGS })
  }, 120_000)
  afterAll(async () => {
    unblock()
    await lattice?.destroy()
  })

  it(`fails over within timeout + one poll of a silent ${CUT_MS / 1000} s cut, syncs over HTTP, and recovers`, async () => {
    const nodes = lattice.nodes
    const ids = [(await write(nodes[0], 'before-cut')).id]
    await waitFor('initial record everywhere', async () => await converged(nodes, ids), { timeoutMs: 20_000 })

    rules = p2pDropRules(nodes)
    for (const rule of rules) execFileSync('iptables', ['-A', ...rule])
    const cutAt = Date.now()
    await waitFor('every node in HTTP mode after the silent cut', async () => (await Promise.all(nodes.map(status))).every(s => s.mode === 'HTTP' && s.http_sync_enabled && s.peer_count === 0), { timeoutMs: 30_000 })
    const failoverMs = await Promise.all(nodes.map(async n => (await metric(n, 'lattice_sync_last_failover_timestamp_seconds')) * 1000 - cutAt))
    process.stdout.write(`silent cut: failover after ${failoverMs.map(ms => Math.round(ms)).join(', ')} ms (timeout ${TIMEOUT_MS} ms, poll ${POLL_MS} ms)\n`)
    for (const ms of failoverMs) expect(ms).toBeLessThanOrEqual(TIMEOUT_MS + POLL_MS)
    for (const n of nodes) expect(await metric(n, 'lattice_p2p_silent_peers_total')).toBeGreaterThanOrEqual(1)

    // writes on every side cross over HTTP while P2P packets are still dropped
    for (const [i, n] of nodes.entries()) ids.push((await write(n, `during-cut-${i}`)).id)
    await waitFor('records of the cut everywhere over HTTP', async () => await converged(nodes, ids), { timeoutMs: 30_000 })

    await waitFor('the cut lasted its time', () => Date.now() - cutAt >= CUT_MS, { timeoutMs: CUT_MS + 5000, intervalMs: 500 })
    unblock()
    await waitFor('every node back in P2P mode', async () => (await Promise.all(nodes.map(status))).every(s => s.mode === 'P2P' && !s.http_sync_enabled && s.peer_count === 2), { timeoutMs: 60_000 })
    ids.push((await write(nodes[2], 'after-cut')).id)
    await waitFor('all records everywhere, roots equal', async () => await converged(nodes, ids), { timeoutMs: 30_000 })
  }, 180_000)
})
