import { describe, expect, it } from '@jest/globals'
import type { IntegrityReport } from '../ledger/interface.js'
import { storageIntact } from './health.js'

const report = (over: Partial<IntegrityReport>): IntegrityReport => ({
  status: 'healthy', sqlite_ok: true, merkle_ok: true, signatures_ok: true, record_count: 3, merkle_root: 'ab', checked_at: '', duration_ms: 1, errors: [], ...over
})

describe('storageIntact', () => {
  it('holds before the first check and when every check passed', () => {
    expect(storageIntact(undefined)).toBe(true)
    expect(storageIntact(report({}))).toBe(true)
  })

  it('fails on a damaged file, a wrong Merkle root or a bad signature', () => {
    expect(storageIntact(report({ status: 'unhealthy', sqlite_ok: false }))).toBe(false)
    expect(storageIntact(report({ status: 'unhealthy', merkle_ok: false }))).toBe(false)
    expect(storageIntact(report({ status: 'unhealthy', signatures_ok: false }))).toBe(false)
  })

  it('still holds when only another origin equivocated: the data here is intact', () => {
    expect(storageIntact(report({ status: 'unhealthy', equivocations: 1, errors: ['origin X equivocated at seq 4'] }))).toBe(true)
  })
})
