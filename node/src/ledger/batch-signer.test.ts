import { describe, expect, it } from '@jest/globals'
import { createSilentLogger } from '../../../packages/log/src/index.js'
import { createBatchSigner } from './batch-signer.js'
import { makeNode } from './ledger.fixture.js'
import { sha256Hex, verifySignature } from './record.js'

const ids = Array.from({ length: 300 }, (_, i) => sha256Hex(`record ${i}`))

describe('batch signer', () => {
  it('signs a batch on its worker thread in order, the same signatures as on this thread; after close, on the thread pool', async () => {
    const node = await makeNode()
    const signer = createBatchSigner({}, { privateKey: node.key, signer: node.signer, logger: createSilentLogger() })
    try {
      const [a, b] = await Promise.all([signer.signMany(ids), signer.signMany(ids.slice(7, 9))])
      // Ed25519 is deterministic: the worker's signatures equal this thread's
      expect(a).toEqual(ids.map(id => node.signer.sign(id)))
      expect(b).toEqual([a[7], a[8]])
      expect(ids.every((id, i) => verifySignature({ origin: node.id, id, sig: a[i] }))).toBe(true)
    } finally {
      await signer.close()
    }
    expect(await signer.signMany(ids.slice(0, 3))).toEqual(ids.slice(0, 3).map(id => node.signer.sign(id)))
  })

  it('signs on the thread pool without a worker, and signs ids of any length', async () => {
    const node = await makeNode()
    const signer = createBatchSigner({ worker: false }, { privateKey: node.key, signer: node.signer, logger: createSilentLogger() })
    try {
      expect(await signer.signMany(ids.slice(0, 5))).toEqual(ids.slice(0, 5).map(id => node.signer.sign(id)))
      expect(await signer.signMany([])).toEqual([])
    } finally {
      await signer.close()
    }
    const withWorker = createBatchSigner({}, { privateKey: node.key, signer: node.signer, logger: createSilentLogger() })
    try {
      expect(await withWorker.signMany(['short', ids[0]])).toEqual([node.signer.sign('short'), node.signer.sign(ids[0])])
    } finally {
      await withWorker.close()
    }
  })
})
