/**
 * The verification floor of catch-up, measured in the same run as the figures it bounds: Ed25519
 * verifications per second (signatures over 64-hex-digit record ids, as records carry them) on one
 * core (synchronous node:crypto in this thread) and on two worker threads at once.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { Worker } from 'node:worker_threads'

const SAMPLES = 4000

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { createPublicKey, verify } = require('node:crypto')
const key = createPublicKey({ key: Buffer.from(workerData.key), format: 'der', type: 'spki' })
const t0 = performance.now()
let ok = 0
for (let i = 0; i < workerData.ids.length; i++) if (verify(null, Buffer.from(workerData.ids[i]), key, Buffer.from(workerData.sigs[i]))) ok++
parentPort.postMessage({ ok, ms: performance.now() - t0 })
`

export async function verifyRate (): Promise<{ oneCore: number, twoThreads: number }> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const ids = Array.from({ length: SAMPLES }, (_, i) => Buffer.from(String(i).padStart(64, '0')).toString('utf8'))
  const sigs = ids.map(id => sign(null, Buffer.from(id), privateKey))
  const t0 = performance.now()
  for (let i = 0; i < SAMPLES; i++) if (!verify(null, Buffer.from(ids[i]), publicKey, sigs[i])) throw new Error('verify failed')
  const oneCore = SAMPLES / ((performance.now() - t0) / 1000)
  const key = publicKey.export({ format: 'der', type: 'spki' })
  const half = SAMPLES / 2
  const started = performance.now()
  await Promise.all([0, 1].map(async w => await new Promise<void>((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { key, ids: ids.slice(w * half, (w + 1) * half), sigs: sigs.slice(w * half, (w + 1) * half) } })
    worker.once('message', () => { void worker.terminate(); resolve() })
    worker.once('error', reject)
  })))
  // wall time of both, thread start-up included (as a pool started on demand would pay it once)
  const twoThreads = SAMPLES / ((performance.now() - started) / 1000)
  return { oneCore, twoThreads }
}
