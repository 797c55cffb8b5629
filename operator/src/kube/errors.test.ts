import { describe, expect, it } from '@jest/globals'
import { ConflictRetriesExhaustedError, errorMessage, isConflict, isNotFound, retryOnConflict } from './errors.js'

const apiErr = (code: number, message = 'm'): Error & { code: number, body: string } => Object.assign(new Error('HTTP'), { code, body: JSON.stringify({ kind: 'Status', message }) })

describe('kube errors', () => {
  it('classifies ApiException codes and extracts the Status message', () => {
    expect(isNotFound(apiErr(404))).toBe(true)
    expect(isConflict(apiErr(409))).toBe(true)
    expect(isConflict(new Error('x'))).toBe(false)
    expect(errorMessage(apiErr(422, 'spec.replicas: Invalid value'))).toBe('spec.replicas: Invalid value')
  })
  it('retries on 409 only', async () => {
    let n = 0
    await expect(retryOnConflict(async () => { n++; if (n < 3) throw apiErr(409); return n })).resolves.toBe(3)
    let m = 0
    await expect(retryOnConflict(async () => { m++; throw apiErr(500) })).rejects.toMatchObject({ code: 500 })
    expect(m).toBe(1)
    await expect(retryOnConflict(async () => { throw apiErr(409) }, 2)).rejects.toBeInstanceOf(ConflictRetriesExhaustedError)
  })
})
