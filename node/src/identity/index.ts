import { readFile } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Ed25519PrivateKey, PrivateKey } from '@libp2p/interface'

import { IdentityError } from './errors.js'
import { writeSecretFile } from './secret-file.js'

export { IdentityError }

export interface NodeIdentity {
  privateKey: Ed25519PrivateKey
  /** The node's peer ID (base58btc): the origin of its records. */
  peerId: string
  /** True when the key was made by this call. */
  created: boolean
}

function asEd25519 (key: PrivateKey, file: string): Ed25519PrivateKey {
  if (key.type !== 'Ed25519') throw new IdentityError(`${file}: identity key is ${key.type}; records are signed with Ed25519`, file)
  return key
}

/**
 * The node's libp2p Ed25519 key, in libp2p's protobuf encoding. Made once on first start (mode 0600,
 * written to a temporary file and renamed so a crash never leaves half a key).
 */
export async function loadOrCreateIdentity (file: string): Promise<NodeIdentity> {
  let bytes: Buffer | undefined
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new IdentityError(`${file}: cannot read identity: ${(err as Error).message}`, file)
  }
  if (bytes !== undefined) {
    let key: PrivateKey
    try {
      key = privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new IdentityError(`${file}: not a libp2p protobuf private key (${(err as Error).message})`, file)
    }
    const privateKey = asEd25519(key, file)
    return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), created: false }
  }
  const privateKey = await generateKeyPair('Ed25519')
  await writeSecretFile(file, privateKeyToProtobuf(privateKey))
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), created: true }
}
export { loadOrCreateToken, type ApiToken } from './token.js'
