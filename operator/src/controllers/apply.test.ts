import { describe, expect, it } from '@jest/globals'
import { subsetEqual } from './apply.js'

describe('subsetEqual', () => {
  it('compares only the keys we own, recursively; arrays exactly', () => {
    expect(subsetEqual({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 2, d: 3 }, e: 4 })).toBe(true)
    expect(subsetEqual({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 } })).toBe(false)
    expect(subsetEqual({ l: [1, 2] }, { l: [1, 2, 3] })).toBe(false)
    expect(subsetEqual({ l: [{ x: 1 }] }, { l: [{ x: 1 }] })).toBe(true)
    expect(subsetEqual({ a: undefined }, {})).toBe(true)
    expect(subsetEqual({ a: { b: 1 } }, {})).toBe(false)
  })
})
