/**
 * Secrets: the network's P2P pre-shared key and API token, and each node's identity (Ed25519 key).
 * Generation (randomness) is kept apart from building the objects, so the builders stay pure and the
 * controllers generate only when a Secret does not exist yet (keys are made once, never rotated by a
 * reconcile).
 */
import { randomBytes } from 'node:crypto'
import type { V1Secret } from '@kubernetes/client-node'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { generateKey } from '@libp2p/pnet'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { SECRET_KEYS } from '../api/constants.js'
import type { LatticeNetwork, LatticeNode } from '../api/types.js'
import { controllerRef } from './owner.js'
import { identitySecretName, networkLabels, networkSecretName, nodeLabels } from './names.js'

export interface NetworkSecretData {
  /** libp2p pnet key file: `/key/swarm/psk/1.0.0/\n/base16/\n<64 hex>` */
  psk: string
  /** Bearer token for mutations and node-to-node sync. */
  token: string
}

export interface NodeIdentity {
  /** protobuf-encoded Ed25519 private key (what AETHEL_IDENTITY_FILE holds). */
  privateKey: Uint8Array
  peerId: string
}

const PSK_FILE_LENGTH = '/key/swarm/psk/1.0.0/\n/base16/\n'.length + 64

export function generateNetworkSecretData (): NetworkSecretData {
  const psk = new Uint8Array(PSK_FILE_LENGTH)
  generateKey(psk)
  return { psk: new TextDecoder().decode(psk), token: randomBytes(32).toString('hex') }
}

export async function generateNodeIdentity (): Promise<NodeIdentity> {
  const key = await generateKeyPair('Ed25519')
  return { privateKey: privateKeyToProtobuf(key), peerId: peerIdFromPrivateKey(key).toString() }
}

export class InvalidIdentityError extends Error {
  readonly secretName: string
  constructor (secretName: string, cause: unknown) {
    super(`identity Secret ${secretName} does not hold a valid protobuf private key`, { cause })
    this.name = 'InvalidIdentityError'
    this.secretName = secretName
  }
}

/** The peer ID of an identity Secret, derived from its key (the `peer-id` entry is informative only). */
export function peerIdFromIdentitySecret (secret: V1Secret): string {
  const name = secret.metadata?.name ?? '?'
  try {
    const b64 = secret.data?.[SECRET_KEYS.identity]
    if (b64 === undefined) throw new Error('no identity.key')
    return peerIdFromPrivateKey(privateKeyFromProtobuf(Buffer.from(b64, 'base64'))).toString()
  } catch (err) {
    throw new InvalidIdentityError(name, err)
  }
}

export function buildNetworkSecret (network: LatticeNetwork, data: NetworkSecretData): V1Secret {
  const name = network.metadata.name ?? ''
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: networkSecretName(name),
      namespace: network.metadata.namespace,
      labels: networkLabels(name, 'secrets'),
      ownerReferences: [controllerRef(network)]
    },
    data: {
      [SECRET_KEYS.psk]: Buffer.from(data.psk).toString('base64'),
      [SECRET_KEYS.token]: Buffer.from(data.token).toString('base64')
    }
  }
}

export function buildIdentitySecret (node: LatticeNode, identity: NodeIdentity): V1Secret {
  const name = node.metadata.name ?? ''
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: identitySecretName(name),
      namespace: node.metadata.namespace,
      labels: nodeLabels(node.spec.networkName, name, node.spec.ordinal, 'identity'),
      ownerReferences: [controllerRef(node)]
    },
    // The ledger signs with this key; losing it changes the node's peer ID, so it is made once.
    immutable: true,
    data: {
      [SECRET_KEYS.identity]: Buffer.from(identity.privateKey).toString('base64'),
      [SECRET_KEYS.peerId]: Buffer.from(identity.peerId).toString('base64')
    }
  }
}
