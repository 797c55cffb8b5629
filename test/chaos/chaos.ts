/**
 * What the chaos scenarios share: their size (reduced in `make test`, full in `make chaos`), the line
 * each prints, writers that remember every acknowledged record, and the check that none is lost.
 */
import { randomBytes } from 'node:crypto'
import { waitFor } from '../../packages/testkit/src/index.js'
import { request } from '../../packages/testkit/src/node/index.js'
import type { NodeApi } from '../sync/helpers.js'

/** `LATTICE_CHAOS=full` (make chaos) or reduced (make test, the default). */
export const FULL = process.env.LATTICE_CHAOS === 'full'

/** `reduced` in make test, `full` in make chaos. */
export function sized<T> (reduced: T, full: T): T { return FULL ? full : reduced }

/** One line per scenario, `chaos <scenario> [size]: what it did and found`, quoted by the docs. */
export function chaosReport (scenario: string, figures: Record<string, string | number>): void {
  const text = Object.entries(figures).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`).join(', ')
  process.stdout.write(`chaos ${scenario} [${FULL ? 'full' : 'reduced'}]: ${text}\n`)
}

export interface Acked { id: string, target: number }

export interface Writers {
  /** Every record a node acknowledged (201), with the node that acknowledged it. */
  readonly acked: Acked[]
  /** Requests that got no 201 (refused, reset or timed out while a node was down or cut off). */
  readonly failed: () => number
  stop(): Promise<void>
}

/**
 * `concurrency` writers posting single records in a loop, each to the next of `targets()` (read on
 * every write, so a scenario can change where writes go). A write counts only once answered 201: an
 * unanswered one may or may not have been stored and is not checked.
 */
export function startWriters (targets: () => Array<{ index: number, node: NodeApi }>, concurrency: number, prefix: string): Writers {
  const acked: Acked[] = []
  let failed = 0
  let running = true
  let turn = 0
  const loops = Array.from({ length: concurrency }, async (_, w) => {
    while (running) {
      const choices = targets()
      if (choices.length === 0) { await new Promise(resolve => setTimeout(resolve, 50)); continue }
      const { index, node } = choices[turn++ % choices.length]
      try {
        const res = await node.api<{ id: string }>('/api/lattice/records', { method: 'POST', body: { key: `${prefix}/${w}`, payload: { n: acked.length, r: randomBytes(8).toString('hex') } } })
        if (res.status === 201) acked.push({ id: res.body.id, target: index })
        else { failed++; await new Promise(resolve => setTimeout(resolve, 50)) }
      } catch {
        failed++
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    }
  })
  return {
    acked,
    failed: () => failed,
    async stop () { running = false; await Promise.all(loops) }
  }
}

/** Ids of every record `node` holds, read page by page in its apply order. */
export async function heldIds (node: NodeApi): Promise<Set<string>> {
  const ids = new Set<string>()
  let after = 0
  for (;;) {
    const res = await node.api<{ records: Array<{ id: string }>, next: { after: number } | null }>(`/api/lattice/records?after=${after}&limit=1000`)
    if (res.status !== 200) throw new Error(`listing of ${node.url}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`)
    for (const r of res.body.records) ids.add(r.id)
    if (res.body.next === null) return ids
    after = res.body.next.after
  }
}

/** Acknowledged records `node` does not hold. */
export async function missingOn (node: NodeApi, acked: Acked[]): Promise<string[]> {
  const held = await heldIds(node)
  return acked.map(a => a.id).filter(id => !held.has(id))
}

/**
 * Waits until every node holds every acknowledged record and all roots are equal; returns how long
 * that took. On the deadline it throws with what each node still lacks.
 */
export async function waitConverged (nodes: NodeApi[], acked: Acked[], timeoutMs: number): Promise<number> {
  const started = Date.now()
  let last = ''
  await waitFor(() => `convergence: ${last}`, async () => {
    const missing = await Promise.all(nodes.map(async n => (await missingOn(n, acked)).length))
    const roots = await Promise.all(nodes.map(async n => (await request<{ merkle_root: string }>(`${n.url}/api/lattice/state`)).body.merkle_root))
    last = `missing per node ${missing.join('/')}, roots ${roots.map(r => r?.slice(0, 8)).join('/')}`
    return missing.every(m => m === 0) && new Set(roots).size === 1
  }, { timeoutMs, intervalMs: 250 })
  return Date.now() - started
}

/** The persistence component of /api/lattice/health once the start-up integrity check has run. */
export async function integrityVerdict (node: NodeApi, timeoutMs = 60_000): Promise<{ status: string, errors?: string[] }> {
  return await waitFor(`integrity verdict of ${node.url}`, async () => {
    const res = await request<{ components: { persistence: { status: string, checked?: boolean, errors?: string[] } } }>(`${node.url}/api/lattice/health`)
    const p = res.body.components?.persistence
    return p !== undefined && p.checked !== false ? p : undefined
  }, { timeoutMs, intervalMs: 100 })
}
