/**
 * Whether a peer's state matches this node's, judged from its heartbeats (each carries the peer's
 * version-vector digest and Merkle root). Pure: the caller passes the clock and both states.
 *
 * - Equal roots: the states match.
 * - Equal version-vector digests but different roots: the same (origin, seq) pairs hold different
 *   records. Sync never repairs that (each side believes it has everything), so it is divergence at
 *   once, without waiting.
 * - Different digests: records are in flight (gossip, catch-up, HTTP rounds) and roots differ for a
 *   moment on every healthy network. Only a difference that lasts through every heartbeat for the
 *   grace period counts (for example records one side refuses, or a peer that stopped syncing).
 */

export interface PeerStateTrack {
  /** When the roots first differed in the current run of differing heartbeats (ms); null when they match. */
  differingSince: number | null
  diverged: boolean
}

export interface StateDigest {
  merkleRoot: string
  vvDigest: string
}

/** The grace period a node gives a peer: three heartbeat intervals, at least 15 s (the operator's default). */
export function peerGraceMs (heartbeatIntervalMs: number): number {
  return Math.max(3 * heartbeatIntervalMs, 15_000)
}

export function trackPeerState (previous: PeerStateTrack | undefined, peer: StateDigest, own: StateDigest, now: number, graceMs: number): PeerStateTrack {
  if (peer.merkleRoot === own.merkleRoot) return { differingSince: null, diverged: false }
  const differingSince = previous?.differingSince ?? now
  if (peer.vvDigest === own.vvDigest) return { differingSince, diverged: true }
  return { differingSince, diverged: now - differingSince >= graceMs }
}
