import { describe, expect, it } from '@jest/globals'
import { canonicalJson } from '../../../packages/contracts/src/canonical-json.js'
import { contentHash } from './hash.js'

describe('contentHash', () => {
  it('ignores key order and undefined fields', () => {
    expect(contentHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(contentHash({ b: { d: [1, 2], c: 2 }, a: 1, e: undefined }))
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}')
  })
  it('changes with any value, including array order', () => {
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }))
    expect(contentHash({ a: 'x' })).not.toBe(contentHash({ a: 'y' }))
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{16}$/)
  })
})
