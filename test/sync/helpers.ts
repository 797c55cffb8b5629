/** Shared helpers of the sync acceptance tests (real node processes on loopback; test/images uses them on containers). */
import { metricValue } from '../../packages/testkit/src/index.js'
import { randomBytes } from 'node:crypto'
import type { NodeProcess } from '../../packages/testkit/src/node/index.js'
import { request } from '../../packages/testkit/src/node/index.js'
import type { LedgerRecord } from '../../node/src/ledger/interface.js'
import type { P2PStatus } from '../../node/src/sync/interface.js'
import type { PrivateKey } from '@libp2p/interface'
import { P2PTransport, type P2PTransportHandlers } from '../../node/src/sync/p2p/transport.js'
import { createSilentLogger } from '../../packages/log/src/index.js'

/** Short sync timings for tests (seconds, as the variables take them). */
export const SHORT_TIMINGS: Record<string, string> = {
  AETHEL_HEARTBEAT_INTERVAL: '0.2',
  AETHEL_PEERLESS_TIMEOUT: '1.5',
  AETHEL_HTTP_POLL_INTERVAL: '0.5',
  AETHEL_LOG_LEVEL: 'warn'
}

/** What these helpers need of a node: its base URL and its API with the token (a process or a container). */
export type NodeApi = Pick<NodeProcess, 'url' | 'api'>

export async function status (node: NodeApi): Promise<P2PStatus> {
  const res = await node.api<P2PStatus>('/api/lattice/p2p/status', { auth: false })
  if (res.status !== 200) throw new Error(`status of ${node.url}: ${res.status}`)
  return res.body
}

export interface StateBody { merkle_root: string, record_count: number, version_vector: Record<string, number> }

export async function state (node: NodeApi): Promise<StateBody> {
  const res = await node.api<StateBody>('/api/lattice/state', { auth: false })
  if (res.status !== 200) throw new Error(`state of ${node.url}: ${res.status}`)
  return res.body
}

/** Sum of a metric's samples whose labels include `labels` (0 when absent). */
export async function metric (node: NodeApi, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await request<string>(`${node.url}/metrics`)
  if (res.status !== 200 || typeof res.body !== 'string') throw new Error(`metrics of ${node.url}: ${res.status}`)
  return metricValue(res.body, name, labels)
}

export async function write (node: NodeApi, key: string, payload: unknown = { note: randomBytes(16).toString('hex') }): Promise<LedgerRecord> {
  const res = await node.api<LedgerRecord>('/api/lattice/records', { method: 'POST', body: { key, payload } })
  if (res.status !== 201) throw new Error(`write on ${node.url}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

export async function writeBatch (node: NodeApi, entries: Array<{ key: string, payload: unknown }>): Promise<LedgerRecord[]> {
  const res = await node.api<{ records: LedgerRecord[] }>('/api/lattice/records/batch', { method: 'POST', body: { records: entries } })
  if (res.status !== 201) throw new Error(`batch on ${node.url}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`)
  return res.body.records
}

export async function has (node: NodeApi, id: string): Promise<boolean> {
  const res = await node.api(`/api/lattice/records/${id}`)
  return res.status === 200
}

/** True when every node holds every id and all roots are equal. */
export async function converged (nodes: NodeApi[], ids: string[]): Promise<boolean> {
  for (const n of nodes) {
    for (const id of ids) if (!await has(n, id)) return false
  }
  const roots = new Set((await Promise.all(nodes.map(state))).map(s => s.merkle_root))
  return roots.size === 1
}

export async function setP2P (node: NodeProcess, enabled: boolean): Promise<void> {
  const res = await node.api(`/api/lattice/sync/p2p?enabled=${String(enabled)}`, { method: 'POST' })
  if (res.status !== 200) throw new Error(`p2p switch on ${node.url}: ${res.status} ${JSON.stringify(res.body)}`)
}

export async function switchMode (node: NodeProcess, mode: string): Promise<{ status: number, body: { success?: boolean, message?: string, mode?: string, error?: { code: string } } }> {
  return await node.api(`/api/lattice/sync/switch?mode=${mode}`, { method: 'POST' })
}

/**
 * A bare P2P transport that speaks the lattice's protocols from a test (a member, an outsider or a
 * flooder): loopback, short redial and liveness timings, handlers that ignore everything unless given.
 */
export function testTransport (key: PrivateKey, psk: Uint8Array | undefined, handlers: Partial<P2PTransportHandlers> & Pick<P2PTransportHandlers, 'bootstrap'>, topic = 'aethel/lattice/v1'): P2PTransport {
  return new P2PTransport({
    privateKey: key,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    topic,
    psk,
    backoff: { minMs: 100, maxMs: 1000 },
    reconnectTickMs: 100,
    timeoutMs: 10_000,
    livenessIntervalMs: 1000
  }, {
    onGossip: () => {},
    onMalformed: () => {},
    onOverBudget: () => {},
    onPeerConnected: () => {},
    onPeersChanged: () => {},
    onPeerSilent: () => {},
    serve: () => [],
    // a small network: the flood topology the lattice's nodes use up to FLOOD_MAX_NODES
    networkSize: () => 3,
    ...handlers
  }, createSilentLogger())
}
