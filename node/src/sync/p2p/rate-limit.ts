/**
 * Per-peer gossip budget: a token bucket of bytes per peer that delivers messages on the topic. A
 * member holding the network key and flooding valid gossip otherwise makes its target verify and
 * store everything it sends, starving the API. Over-budget messages are dropped before decoding (and
 * not forwarded); nothing is lost for honest peers, whose records a later heartbeat's catch-up fetches.
 * Pure apart from the clock it is given.
 */
export interface GossipBudgetInit {
  /** Sustained bytes per second per peer. */
  bytesPerSecond: number
  /** Bytes a peer may send at once (a batch of records) before the sustained rate applies. */
  burstBytes: number
}

export const DEFAULT_GOSSIP_BUDGET: GossipBudgetInit = { bytesPerSecond: 1024 * 1024, burstBytes: 8 * 1024 * 1024 }

export interface GossipBudget {
  /** Takes `bytes` from the peer's bucket; false (and nothing taken) when the bucket holds fewer. */
  take(peerId: string, bytes: number, now: number): boolean
  forget(peerId: string): void
}

export function createGossipBudget (init: GossipBudgetInit = DEFAULT_GOSSIP_BUDGET): GossipBudget {
  const buckets = new Map<string, { tokens: number, at: number }>()
  return {
    take (peerId, bytes, now) {
      const bucket = buckets.get(peerId) ?? { tokens: init.burstBytes, at: now }
      bucket.tokens = Math.min(init.burstBytes, bucket.tokens + Math.max(0, now - bucket.at) * init.bytesPerSecond / 1000)
      bucket.at = now
      buckets.set(peerId, bucket)
      if (bucket.tokens < bytes) return false
      bucket.tokens -= bytes
      return true
    },
    forget (peerId) { buckets.delete(peerId) }
  }
}
