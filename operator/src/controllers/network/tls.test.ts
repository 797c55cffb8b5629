import { describe, expect, it } from '@jest/globals'
import { rotationStep, type RotationState } from './tls.js'

const base: RotationState = { rotating: true, sinceIssueMs: 0, propagationMs: 120_000, allServeNewCa: false, probeIntervalMs: 5000 }

describe('CA rotation steps', () => {
  it('does nothing without a rotation in progress', () => {
    expect(rotationStep({ ...base, rotating: false, allServeNewCa: true, sinceIssueMs: 1e9 })).toEqual({ kind: 'idle' })
  })

  it('waits one propagation period with both CAs trusted, then a second one for the new certificates to load', () => {
    expect(rotationStep({ ...base, sinceIssueMs: 0 })).toEqual({ kind: 'wait', ms: 120_000 })
    expect(rotationStep({ ...base, sinceIssueMs: 119_000, allServeNewCa: true })).toEqual({ kind: 'wait', ms: 1000 })
    // the node certificates are new by now, but the nodes may still be loading them
    expect(rotationStep({ ...base, sinceIssueMs: 120_000, allServeNewCa: true })).toEqual({ kind: 'wait', ms: 120_000 })
    expect(rotationStep({ ...base, sinceIssueMs: 239_999, allServeNewCa: true })).toEqual({ kind: 'wait', ms: 1 })
  })

  it('drops the old CA only once every node is seen serving a certificate of the new one, however long that takes', () => {
    expect(rotationStep({ ...base, sinceIssueMs: 240_000, allServeNewCa: false })).toEqual({ kind: 'wait', ms: 5000 })
    expect(rotationStep({ ...base, sinceIssueMs: 86_400_000, allServeNewCa: false })).toEqual({ kind: 'wait', ms: 5000 })
    expect(rotationStep({ ...base, sinceIssueMs: 240_000, allServeNewCa: true })).toEqual({ kind: 'complete' })
  })
})
