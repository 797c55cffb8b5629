/** Deterministic objects for builder and controller unit tests. */
import { generateKeyPairFromSeed, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { API_VERSION } from '../api/constants.js'
import type { LatticeNetwork, LatticeNetworkSpec } from '../api/types.js'
import type { NodeIdentity } from '../builders/secrets.js'

export function sampleNetwork (spec: Partial<LatticeNetworkSpec> = {}, name = 'ledger'): LatticeNetwork {
  return {
    apiVersion: API_VERSION,
    kind: 'LatticeNetwork',
    metadata: { name, namespace: 'lattice-test', uid: '11111111-2222-3333-4444-555555555555', generation: 1 },
    spec: { image: 'lattice-node:0.1.0', replicas: 3, ...spec }
  }
}

/** An Ed25519 identity derived from a fixed seed byte (same peer ID on every run). */
export async function fixedIdentity (seedByte: number): Promise<NodeIdentity> {
  const key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(seedByte))
  return { privateKey: privateKeyToProtobuf(key), peerId: peerIdFromPrivateKey(key).toString() }
}
