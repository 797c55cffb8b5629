import { describe, expect, it } from '@jest/globals'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { fixedIdentity, latticeNetwork } from '../../../packages/testkit/src/fixtures/index.js'
import { buildLatticeNode } from './lattice-node.js'
import {
  buildIdentitySecret, buildNetworkSecret, generateNetworkSecretData, generateNodeIdentity, InvalidIdentityError, peerIdFromIdentitySecret
} from './secrets.js'

describe('secrets', () => {
  it('generates a PSK in the libp2p pnet file format and a random token', () => {
    const a = generateNetworkSecretData()
    const b = generateNetworkSecretData()
    expect(a.psk).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    expect(a.token).toMatch(/^[0-9a-f]{64}$/)
    expect(a.psk).not.toBe(b.psk)
    expect(a.token).not.toBe(b.token)
  })
  it('network Secret holds psk and token base64-encoded', () => {
    const s = buildNetworkSecret(latticeNetwork(), { psk: 'P', token: 'T' })
    expect(s.metadata?.name).toBe('ledger-secrets')
    expect(Buffer.from(s.data?.psk ?? '', 'base64').toString()).toBe('P')
    expect(Buffer.from(s.data?.token ?? '', 'base64').toString()).toBe('T')
  })
  it('identity: a generated Ed25519 key round-trips to the same peer ID through the Secret', async () => {
    const id = await generateNodeIdentity()
    expect(id.peerId).toMatch(/^12D3KooW/)
    expect(peerIdFromPrivateKey(privateKeyFromProtobuf(id.privateKey)).toString()).toBe(id.peerId)
    const node = buildLatticeNode(latticeNetwork(), 0)
    node.metadata.uid = 'node-uid'
    const secret = buildIdentitySecret(node, id)
    expect(secret.immutable).toBe(true)
    expect(peerIdFromIdentitySecret(secret)).toBe(id.peerId)
  })
  it('a Secret with a broken key is an InvalidIdentityError', () => {
    expect(() => peerIdFromIdentitySecret({ metadata: { name: 'x' }, data: { 'identity.key': 'AAAA' } })).toThrow(InvalidIdentityError)
    expect(() => peerIdFromIdentitySecret({ metadata: { name: 'x' }, data: {} })).toThrow(InvalidIdentityError)
  })
  it('matches the snapshots', async () => {
    const node = buildLatticeNode(latticeNetwork(), 0)
    node.metadata.uid = 'aaaaaaaa-0000-0000-0000-000000000000'
    const id = await fixedIdentity(7)
    const psk = '/key/swarm/psk/1.0.0/\n/base16/\n' + '0'.repeat(64)
    for (const [name, obj] of [['identity-secret', buildIdentitySecret(node, id)], ['network-secret', buildNetworkSecret(latticeNetwork(), { psk, token: 'f'.repeat(64) })]] as const) {
      expect(obj).toMatchSnapshot(name)
    }
  })
})
