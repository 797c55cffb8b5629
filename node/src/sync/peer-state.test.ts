import { describe, expect, it } from '@jest/globals'
import { peerGraceMs, trackPeerState, type PeerStateTrack, type StateDigest } from './peer-state.js'

const own: StateDigest = { merkleRoot: 'root-a', vvDigest: 'vv-a' }
const inFlight: StateDigest = { merkleRoot: 'root-b', vvDigest: 'vv-b' }
const forked: StateDigest = { merkleRoot: 'root-b', vvDigest: 'vv-a' }
const GRACE = 15_000

describe('trackPeerState', () => {
  it('equal roots match and clear an earlier difference', () => {
    const before: PeerStateTrack = { differingSince: 1000, diverged: true }
    expect(trackPeerState(before, own, own, 50_000, GRACE)).toEqual({ differingSince: null, diverged: false })
  })

  it('different version vectors: not diverged until the difference has lasted the grace period', () => {
    const first = trackPeerState(undefined, inFlight, own, 1000, GRACE)
    expect(first).toEqual({ differingSince: 1000, diverged: false })
    const justBefore = trackPeerState(first, inFlight, own, 1000 + GRACE - 1, GRACE)
    expect(justBefore).toEqual({ differingSince: 1000, diverged: false })
    expect(trackPeerState(justBefore, inFlight, own, 1000 + GRACE, GRACE)).toEqual({ differingSince: 1000, diverged: true })
  })

  it('a match in between restarts the grace period', () => {
    const first = trackPeerState(undefined, inFlight, own, 1000, GRACE)
    const matched = trackPeerState(first, own, own, 5000, GRACE)
    expect(trackPeerState(matched, inFlight, own, 1000 + GRACE, GRACE)).toEqual({ differingSince: 1000 + GRACE, diverged: false })
  })

  it('equal version vectors with different roots diverge at once', () => {
    expect(trackPeerState(undefined, forked, own, 1000, GRACE)).toEqual({ differingSince: 1000, diverged: true })
  })

  it('grace: three heartbeats, at least 15 s', () => {
    expect(peerGraceMs(5000)).toBe(15_000)
    expect(peerGraceMs(1000)).toBe(15_000)
    expect(peerGraceMs(10_000)).toBe(30_000)
  })
})
