/**
 * Bounded work for the private network's cipher.
 *
 * @libp2p/pnet encrypts and decrypts with the `xsalsa20` package, whose WebAssembly memory is shared by
 * every connection of the process, grows to hold the largest single input it is given, and is capped
 * at 1000 pages (62.5 MiB). A node that falls behind under a gossip flood is handed its whole
 * accumulated read buffer at once: past the cap, `Memory.grow()` throws a RangeError inside a socket
 * event listener and the process exits. XSalsa20 is a stream cipher that carries its position across
 * `update` calls, so feeding it the same bytes in pieces gives the same output: this module makes every
 * `update` go through the cipher in pieces of at most MAX_CIPHER_CHUNK bytes, which bounds the memory
 * whatever the size of a read.
 */
import { createRequire } from 'node:module'

/** Largest input one call into the WebAssembly cipher gets. */
export const MAX_CIPHER_CHUNK = 64 * 1024

interface XSalsa20Prototype {
  update: (input: Uint8Array, output?: Uint8Array) => Uint8Array
  boundedByLattice?: true
}

/** The `xsalsa20` module instance @libp2p/pnet loads (resolved from pnet's own location). */
export function pnetCipherModule (): { prototype: XSalsa20Prototype } {
  const pnet = createRequire(import.meta.url).resolve('@libp2p/pnet')
  return createRequire(pnet)('xsalsa20') as { prototype: XSalsa20Prototype }
}

/** Idempotent: wraps `update` of the cipher pnet uses so that no call passes more than MAX_CIPHER_CHUNK bytes. */
export function boundPnetCipher (): void {
  const proto = pnetCipherModule().prototype
  if (proto.boundedByLattice === true) return
  const update = proto.update
  proto.update = function (this: unknown, input: Uint8Array, output: Uint8Array = new Uint8Array(input.length)): Uint8Array {
    if (input.length <= MAX_CIPHER_CHUNK) return update.call(this, input, output)
    for (let at = 0; at < input.length; at += MAX_CIPHER_CHUNK) {
      const end = Math.min(at + MAX_CIPHER_CHUNK, input.length)
      update.call(this, input.subarray(at, end), output.subarray(at, end))
    }
    return output
  }
  proto.boundedByLattice = true
}
