/**
 * Signed heartbeats: every heartbeat interval a node publishes `{peerId, vvDigest, merkleRoot,
 * recordCount, ts}` signed with its libp2p key. Gossipsub runs unsigned (StrictNoSign, see host.ts),
 * so the signature is ours: a receiver checks it against the public key inside the peer ID.
 */
import { verify } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import type { VersionVector } from '../ledger/interface.js'
import { originPublicKey } from '../ledger/record.js'
import { digest as vvDigest } from '../ledger/version-vector.js'
import { heartbeatSigningBytes, type Heartbeat, type SignedHeartbeat } from './codec.js'

export async function signHeartbeat (privateKey: PrivateKey, body: Heartbeat): Promise<SignedHeartbeat> {
  const sig = Buffer.from(await privateKey.sign(heartbeatSigningBytes(body))).toString('base64url')
  return { ...body, sig }
}

/** True when `hb.sig` is the signature of `hb.peerId`'s key over the heartbeat's fields. */
export async function verifyHeartbeat (hb: SignedHeartbeat): Promise<boolean> {
  try {
    // the KeyObject cached per peer (record.ts): building one per heartbeat cost more than the verify,
    // and every node verifies every node's heartbeat
    const key = originPublicKey(hb.peerId)
    if (key === undefined) return false
    return verify(null, heartbeatSigningBytes(hb), key, Buffer.from(hb.sig, 'base64url'))
  } catch {
    // not a peer ID with an inline key, or an undecodable signature
    return false
  }
}

/**
 * Heartbeats carry the sender's vector while it changes and for VECTOR_REPEATS heartbeats after (a peer
 * that missed one still gets it), then once every VECTOR_REFRESH heartbeats (for a peer that joined since; until then a peer without it
 * catches up at once on a differing digest, as from an older node).
 */
export const VECTOR_REPEATS = 2
export const VECTOR_REFRESH = 12

/** Whether the heartbeat sent after `unchanged` heartbeats with the same vector carries it. */
export function carriesVector (unchanged: number): boolean {
  return unchanged < VECTOR_REPEATS || unchanged % VECTOR_REFRESH === 0
}

/** How long records a peer showed (in a heartbeat, or by a gap) may take to arrive by gossip before this node asks for them. */
export const IN_FLIGHT_GRACE_MS = 1000

/** The sender's version vector, when the heartbeat carries one that its signed digest vouches for. */
export function heartbeatVector (hb: Heartbeat): VersionVector | undefined {
  return hb.vv !== undefined && vvDigest(hb.vv) === hb.vvDigest ? hb.vv : undefined
}

/** Whether `theirs` holds a record `ours` lacks (a higher seq of some origin). */
export function holdsMore (theirs: VersionVector, ours: VersionVector): boolean {
  for (const [origin, seq] of Object.entries(theirs)) if (seq > (ours[origin] ?? 0)) return true
  return false
}

/** Whether a heartbeat says the peer has records this node lacks (or may: both sides differ). */
export function heartbeatCallsForCatchup (hb: Heartbeat, ownRoot: string, ownDigest: string): boolean {
  return hb.merkleRoot !== ownRoot && hb.vvDigest !== ownDigest
}
