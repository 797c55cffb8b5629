import { describe, expect, it } from '@jest/globals'
import { compare, digest, dominates, merge, missing, total } from './version-vector.js'

describe('version vectors', () => {
  it('compares', () => {
    expect(compare({ a: 1 }, { a: 1 })).toBe('equal')
    expect(compare({}, { a: 0 })).toBe('equal')
    expect(compare({ a: 1 }, { a: 2 })).toBe('before')
    expect(compare({ a: 3, b: 1 }, { a: 2 })).toBe('after')
    expect(compare({ a: 3 }, { a: 2, b: 1 })).toBe('concurrent')
  })

  it('dominates and merges', () => {
    expect(dominates({ a: 2, b: 1 }, { a: 2 })).toBe(true)
    expect(dominates({ a: 2 }, { a: 2, b: 1 })).toBe(false)
    expect(dominates({}, {})).toBe(true)
    expect(merge({ a: 3, b: 1 }, { b: 4, c: 2 })).toEqual({ a: 3, b: 4, c: 2 })
    expect(total({ a: 3, b: 4 })).toBe(7)
  })

  it('lists the ranges one side lacks', () => {
    expect(missing({ a: 5, b: 2 }, { a: 3, b: 2, c: 9 })).toEqual({ a: [4, 5] })
    expect(missing({ a: 1 }, {})).toEqual({ a: [1, 1] })
  })

  it('digests canonically: key order and zero entries do not matter, contents do', () => {
    expect(digest({ a: 1, b: 2 })).toBe(digest({ b: 2, a: 1 }))
    expect(digest({ a: 1, z: 0 })).toBe(digest({ a: 1 }))
    expect(digest({ a: 1 })).not.toBe(digest({ a: 2 }))
    expect(digest({})).toMatch(/^[0-9a-f]{64}$/)
  })
})
