import { describe, expect, it } from '@jest/globals'
import { createSilentLogger } from '../../../packages/log/src/index.js'
import { forge, makeNode } from './ledger.fixture.js'
import type { LedgerRecord } from './interface.js'
import { DEFAULT_LIMITS } from './record.js'
import { createRecordVerifier, type VerifyOutcome } from './verifier.js'

/** 40 good records of one origin and, among them, each kind of bad one. */
async function mixedBatch (): Promise<{ records: unknown[], expected: Array<VerifyOutcome['ok'] | string> }> {
  const node = await makeNode()
  const good = Array.from({ length: 40 }, (_, i) => forge(node, i + 1, { i, text: 'payload' }))
  const forged = { ...good[3], sig: good[4].sig }
  const badId = { ...good[5], payload: 'changed' }
  const malformed = { ...good[6], seq: -1 }
  // the workers get the origins' keys from the main thread: an origin that is no Ed25519 peer ID has none
  const noPeerId = { ...good[7], origin: 'not-a-peer-id' }
  const records: unknown[] = [...good.slice(0, 10), forged, badId, ...good.slice(10, 20), malformed, null, noPeerId, ...good.slice(20)]
  const expected = records.map(r => r === forged ? 'bad_signature' : r === badId ? 'bad_id' : r === malformed || r === null || r === noPeerId ? 'malformed' : true)
  return { records, expected }
}

const summarise = (outcomes: VerifyOutcome[]): Array<true | string> => outcomes.map(o => o.ok ? true : o.reason)

describe('record verifier', () => {
  it('checks shape, id and signature on worker threads, in input order, with the canonical payload of each good record', async () => {
    const verifier = createRecordVerifier({ limits: DEFAULT_LIMITS, threads: 2, minWorkerBatch: 1 }, { logger: createSilentLogger() })
    try {
      const { records, expected } = await mixedBatch()
      const outcomes = await verifier.verify({ records, signature: records.map(() => true) })
      expect(summarise(outcomes)).toEqual(expected)
      const first = outcomes[0]
      expect(first.ok && first.canonicalPayload).toBe('{"i":0,"text":"payload"}')
      // two batches at once share the pool
      const [a, b] = await Promise.all([verifier.verify({ records, signature: records.map(() => true) }), verifier.verify({ records: records.slice(5), signature: records.slice(5).map(() => true) })])
      expect(summarise(a)).toEqual(expected)
      expect(summarise(b)).toEqual(expected.slice(5))
    } finally {
      await verifier.close()
    }
  })

  it('gives the same outcomes on the main thread (no workers, or batches below the worker size)', async () => {
    const { records, expected } = await mixedBatch()
    for (const init of [{ threads: 0 }, { threads: 2, minWorkerBatch: 1000 }]) {
      const verifier = createRecordVerifier({ limits: DEFAULT_LIMITS, ...init }, { logger: createSilentLogger() })
      try {
        expect(summarise(await verifier.verify({ records, signature: records.map(() => true) }))).toEqual(expected)
      } finally {
        await verifier.close()
      }
    }
  })

  it('skips only the signature where asked, never the shape and id checks', async () => {
    const verifier = createRecordVerifier({ limits: DEFAULT_LIMITS, threads: 2, minWorkerBatch: 1 }, { logger: createSilentLogger() })
    try {
      const { records, expected } = await mixedBatch()
      const outcomes = await verifier.verify({ records, signature: records.map(() => false) })
      expect(summarise(outcomes)).toEqual(expected.map(e => e === 'bad_signature' ? true : e))
    } finally {
      await verifier.close()
    }
  })

  it('checks on the main thread after close, and close lets the process exit (workers terminated)', async () => {
    const verifier = createRecordVerifier({ limits: DEFAULT_LIMITS, threads: 2, minWorkerBatch: 1 }, { logger: createSilentLogger() })
    const { records, expected } = await mixedBatch()
    await verifier.verify({ records, signature: records.map(() => true) })
    await verifier.close()
    expect(summarise(await verifier.verify({ records: records as LedgerRecord[], signature: records.map(() => true) }))).toEqual(expected)
  })
})

describe('record verifier without working threads', () => {
  it('checks every batch on the main thread when its workers die before answering, and stops starting new ones', async () => {
    const warnings: string[] = []
    const logger = { ...createSilentLogger(), warn: (message: string) => { warnings.push(message) } } as unknown as ReturnType<typeof createSilentLogger>
    const verifier = createRecordVerifier({ limits: DEFAULT_LIMITS, threads: 2, minWorkerBatch: 1, workerUrl: new URL('./no-such-verify-worker.js', import.meta.url) }, { logger })
    try {
      const { records, expected } = await mixedBatch()
      for (let i = 0; i < 4; i++) expect(summarise(await verifier.verify({ records, signature: records.map(() => true) }))).toEqual(expected)
      expect(warnings.at(-1)).toMatch(/keep failing before their first answer/)
      const count = warnings.length
      expect(summarise(await verifier.verify({ records, signature: records.map(() => true) }))).toEqual(expected)
      expect(warnings).toHaveLength(count)
    } finally {
      await verifier.close()
    }
  })
})

