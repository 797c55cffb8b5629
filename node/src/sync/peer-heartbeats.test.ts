import { describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import type { VersionVector } from '../ledger/interface.js'
import { digest } from '../ledger/version-vector.js'
import type { SyncContext } from './context.js'
import { signHeartbeat } from './heartbeat.js'
import { PeerHeartbeats } from './peer-heartbeats.js'
import type { SignedHeartbeat } from './codec.js'

/** A node holding `own`; records the catch-ups its peers' heartbeats start. */
function receiver (own: VersionVector): { heartbeats: PeerHeartbeats, catchUps: string[] } {
  const catchUps: string[] = []
  const noop = (): void => {}
  const ctx = {
    selfId: 'self',
    ledger: { versionVector: () => own, merkleRoot: () => 'own-root' },
    metrics: { rejected: { inc: noop }, peerDiverged: { set: noop, remove: noop }, catchupsAvoided: { inc: noop } },
    peerWarnings: { warn: noop },
    heartbeatIntervalMs: 5000,
    clock: () => 1_000_000,
    p2p: () => undefined
  } as unknown as SyncContext
  return { heartbeats: new PeerHeartbeats(ctx, { isMember: () => true, catchUp: (peerId) => { catchUps.push(peerId) } }), catchUps }
}

async function heartbeat (key: PrivateKey, vv: VersionVector, withVector: boolean): Promise<SignedHeartbeat> {
  return await signHeartbeat(key, { peerId: peerIdFromPrivateKey(key).toString(), vvDigest: digest(vv), merkleRoot: 'peer-root', recordCount: 1, ts: 1, ...(withVector ? { vv } : {}) })
}

const settled = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

describe('peer heartbeats without the vector', () => {
  it('use the vector kept from the peer\'s last heartbeat with the same digest', async () => {
    const key = await generateKeyPair('Ed25519')
    const peer = peerIdFromPrivateKey(key).toString()
    // the peer is behind this node: nothing to ask it for
    const theirs = { [peer]: 1 }
    const { heartbeats, catchUps } = receiver({ [peer]: 1, other: 2 })
    heartbeats.receive(await heartbeat(key, theirs, true), peer)
    await settled()
    heartbeats.receive(await heartbeat(key, theirs, false), peer)
    await settled()
    expect(catchUps).toEqual([])
    // another digest than the kept vector's: as from an older node, a catch-up at once
    heartbeats.receive(await heartbeat(key, { [peer]: 2 }, false), peer)
    await settled()
    expect(catchUps).toEqual([peer])
  })

  it('start a catch-up at once from a peer whose vector this node has not seen', async () => {
    const key = await generateKeyPair('Ed25519')
    const peer = peerIdFromPrivateKey(key).toString()
    const { heartbeats, catchUps } = receiver({ [peer]: 1, other: 2 })
    heartbeats.receive(await heartbeat(key, { [peer]: 1 }, false), peer)
    await settled()
    expect(catchUps).toEqual([peer])
  })
})
