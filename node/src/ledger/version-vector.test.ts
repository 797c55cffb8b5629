import { describe, expect, it } from '@jest/globals'
import { advance, digest } from './version-vector.js'

const rec = (origin: string, seq: number): { id: string, origin: string, seq: number, ts: number, key: string, payload: null, sig: string } =>
  ({ id: '', origin, seq, ts: 0, key: 'k', payload: null, sig: '' })

describe('version vectors', () => {
  it('advance raises each origin to the highest seq applied, never lowers it', () => {
    expect(advance({ a: 2 }, [rec('a', 3), rec('b', 1), rec('a', 4)])).toEqual({ a: 4, b: 1 })
    expect(advance({ a: 5 }, [rec('a', 3)])).toEqual({ a: 5 })
    const vv = { a: 1 }
    advance(vv, [rec('a', 2)])
    expect(vv).toEqual({ a: 1 })
  })

  it('digest ignores key order and zero entries, and tells different vectors apart', () => {
    expect(digest({ a: 1, b: 2 })).toBe(digest({ b: 2, a: 1 }))
    expect(digest({})).toBe(digest({ a: 0 }))
    expect(digest({ a: 1 })).not.toBe(digest({ a: 2 }))
    expect(digest({ a: 1 })).toHaveLength(32)
  })
})
