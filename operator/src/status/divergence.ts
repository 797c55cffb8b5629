/**
 * Divergence: the network's root is the root most nodes that answered report (a strict plurality;
 * a tie means no consensus and nobody is judged). A node whose root differs from it for longer than
 * the grace period is diverged. The grace period covers gossip in flight: right after a write, roots
 * differ for a moment on every healthy network. Pure: the clock is a parameter.
 */

export interface RootObservation {
  name: string
  /** The node's API answered the last probe. */
  up: boolean
  merkleRoot?: string
  /** From the previous evaluation (persisted in status, so an operator restart keeps the clock). */
  divergingSince?: string
  diverged?: boolean
}

export interface NodeDivergence {
  name: string
  /** Root equals the network's. */
  synced: boolean
  diverged: boolean
  divergingSince?: string
}

export interface DivergenceResult {
  networkRoot?: string
  nodes: NodeDivergence[]
  divergent: string[]
}

export function majorityRoot (observations: readonly RootObservation[]): string | undefined {
  const counts = new Map<string, number>()
  for (const o of observations) {
    if (!o.up || o.merkleRoot === undefined || o.merkleRoot === '') continue
    counts.set(o.merkleRoot, (counts.get(o.merkleRoot) ?? 0) + 1)
  }
  let best: string | undefined
  let bestCount = 0
  let tie = false
  for (const [root, n] of counts) {
    if (n > bestCount) { best = root; bestCount = n; tie = false } else if (n === bestCount) tie = true
  }
  return tie ? undefined : best
}

export function evaluateDivergence (observations: readonly RootObservation[], graceMs: number, now: Date): DivergenceResult {
  const networkRoot = majorityRoot(observations)
  const nodes = observations.map((o): NodeDivergence => {
    if (!o.up || o.merkleRoot === undefined || networkRoot === undefined) {
      // Unknown this round (node down, or no consensus): keep what was known, judge nothing new.
      return { name: o.name, synced: false, diverged: o.diverged === true && networkRoot !== undefined, ...(o.divergingSince !== undefined && networkRoot !== undefined ? { divergingSince: o.divergingSince } : {}) }
    }
    if (o.merkleRoot === networkRoot) return { name: o.name, synced: true, diverged: false }
    const since = o.divergingSince ?? now.toISOString()
    const diverged = now.getTime() - Date.parse(since) >= graceMs
    return { name: o.name, synced: false, diverged, divergingSince: since }
  })
  return { ...(networkRoot !== undefined ? { networkRoot } : {}), nodes, divergent: nodes.filter(n => n.diverged).map(n => n.name) }
}
