import { describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { boundPnetCipher, MAX_CIPHER_CHUNK, pnetCipherModule } from './pnet-cipher.js'

type Cipher = (nonce: Uint8Array, key: Uint8Array) => { update: (input: Uint8Array) => Uint8Array }

describe('pnet cipher bound', () => {
  const XSalsa20 = pnetCipherModule() as unknown as Cipher
  const nonce = randomBytes(24)
  const key = randomBytes(32)

  it('decrypts a 100 MiB read (beyond the WebAssembly memory cap of 62.5 MiB) without a RangeError', () => {
    boundPnetCipher()
    boundPnetCipher() // idempotent: wrapping twice would still work, but must not stack
    const input = randomBytes(100 * 1024 * 1024)
    const out = XSalsa20(nonce, key).update(input)
    expect(out.length).toBe(input.length)
    // the same stream in small pieces (what the cipher itself guarantees) gives the same bytes
    const piecewise = XSalsa20(nonce, key)
    const piece = 1000 + 37
    for (let at = 0; at < 3 * MAX_CIPHER_CHUNK; at += piece) {
      const end = Math.min(at + piece, 3 * MAX_CIPHER_CHUNK)
      expect(Buffer.from(piecewise.update(input.subarray(at, end))).equals(Buffer.from(out.subarray(at, end)))).toBe(true)
    }
    // and it is really encrypted: applying the keystream again gives the input back
    expect(Buffer.from(XSalsa20(nonce, key).update(out.subarray(0, 4096))).equals(input.subarray(0, 4096))).toBe(true)
  })
})
