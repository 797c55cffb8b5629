import { describe, expect, it } from '@jest/globals'
import { canonicalize, canonicalizeText, canonicalJson, MAX_JSON_DEPTH, NonCanonicalValueError } from './canonical-json.js'

function fromBits (hex: string): number {
  const buf = Buffer.from(hex, 'hex')
  return buf.readDoubleBE(0)
}

describe('RFC 8785 canonical JSON', () => {
  it('serialises the RFC 3.2.2 example (literals, numbers, escaped strings)', () => {
    const input = `{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
      "literals": [null, true, false]
    }`
    expect(canonicalizeText(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
  })

  it('sorts members by UTF-16 code units (RFC 3.2.3 example)', () => {
    const input = `{
      "\\u20ac": "Euro Sign",
      "\\r": "Carriage Return",
      "\\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\\ud83d\\ude00": "Emoji: Grinning Face",
      "\\u0080": "Control",
      "\\u00f6": "Latin Small Letter O With Diaeresis"
    }`
    const out = canonicalizeText(input)
    const keys = Object.keys(JSON.parse(out) as object)
    // Object.keys puts integer-like keys first, so compare the serialised order instead.
    const order = ['\\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']
    let at = -1
    for (const k of order) {
      const i = out.indexOf(`"${k}":`)
      expect(i).toBeGreaterThan(at)
      at = i
    }
    expect(keys).toHaveLength(7)
    expect(out.startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).toBe(true)
  })

  it('serialises IEEE 754 values as the RFC Appendix B table says', () => {
    const table: Array<[string, string]> = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af6', '1e+23'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555555', '333333333.3333333']
    ]
    for (const [bits, expected] of table) expect(canonicalize(fromBits(bits))).toBe(expected)
  })

  it('refuses values JSON cannot carry canonically', () => {
    expect(() => canonicalize(Number.NaN)).toThrow(NonCanonicalValueError)
    expect(() => canonicalize(Number.POSITIVE_INFINITY)).toThrow(NonCanonicalValueError)
    expect(() => canonicalize({ a: '\ud800' })).toThrow(NonCanonicalValueError)
    expect(() => canonicalize({ a: () => 1 })).toThrow(NonCanonicalValueError)
    expect(() => canonicalize(new Date(0))).toThrow(NonCanonicalValueError)
    expect(() => canonicalize(10n)).toThrow(NonCanonicalValueError)
  })

  it(`refuses values nested deeper than ${MAX_JSON_DEPTH} levels (JSON.stringify could not serve them)`, () => {
    const nest = (depth: number, inner: unknown, wrap: (v: unknown) => unknown): unknown => depth === 0 ? inner : nest(depth - 1, wrap(inner), wrap)
    const atLimit = nest(MAX_JSON_DEPTH, 1, v => [v])
    expect(canonicalize(atLimit)).toBe('['.repeat(MAX_JSON_DEPTH) + '1' + ']'.repeat(MAX_JSON_DEPTH))
    expect(() => canonicalize([atLimit])).toThrow(/nested deeper than 64 levels/)
    expect(() => canonicalize(nest(MAX_JSON_DEPTH + 1, 'x', v => ({ a: v })))).toThrow(NonCanonicalValueError)
    expect(() => canonicalizeText('['.repeat(100_000) + ']'.repeat(100_000))).toThrow(NonCanonicalValueError)
  })

  it('gives the same text for equal values whatever the member order and whitespace', () => {
    const a = canonicalize({ b: [1, { y: 2, x: 1 }], a: 'z' })
    const b = canonicalizeText('{ "a" : "z", "b": [1, {"x":1,"y":2}] }')
    expect(a).toBe(b)
    expect(a).toBe('{"a":"z","b":[1,{"x":1,"y":2}]}')
  })
})

describe('canonicalJson (objects the operator compares and hashes)', () => {
  it('is the RFC 8785 text for any JSON value, so hashes of built manifests are the same', () => {
    const value = { spec: { containers: [{ name: 'node', env: [{ name: 'B', value: '1' }, { name: 'A', value: 'é' }] }], replicas: 3, ratio: 0.5 }, a: [true, null, -0] }
    expect(canonicalJson(value)).toBe(canonicalize(value))
    expect(canonicalJson(value)).toBe('{"a":[true,null,0],"spec":{"containers":[{"env":[{"name":"B","value":"1"},{"name":"A","value":"é"}],"name":"node"}],"ratio":0.5,"replicas":3}}')
  })

  it('writes what JSON.stringify writes where canonicalize refuses', () => {
    class Model { constructor (readonly b: number, readonly a?: string) {} }
    expect(canonicalJson({ m: new Model(1), x: undefined, f: () => 1 })).toBe('{"m":{"b":1}}')
    expect(canonicalJson([undefined, () => 1, Number.NaN, Infinity])).toBe('[null,null,null,null]')
    expect(canonicalJson('\ud800')).toBe('"\\ud800"')
    expect(canonicalJson(undefined)).toBe('')
    expect(() => canonicalize(new Model(1))).toThrow(NonCanonicalValueError)
  })
})
