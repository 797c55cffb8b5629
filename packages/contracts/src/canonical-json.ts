/**
 * Canonical JSON, the one implementation both programs use: the node's records are identified and
 * signed by their RFC 8785 text (`canonicalize`); the operator compares and hashes Kubernetes objects by
 * the same text (`canonicalJson`, which also takes what JSON.stringify takes).
 *
 * RFC 8785 JSON Canonicalization Scheme (JCS):
 * - object members sorted by their names as arrays of UTF-16 code units (JavaScript's default string order);
 * - numbers serialised as ECMAScript's Number.prototype.toString (what JSON.stringify does for finite numbers);
 * - strings escaped as JSON.stringify does (ES2019 well-formed stringify), lone surrogates refused since
 *   JCS input must be I-JSON (RFC 7493);
 * - no whitespace.
 */
import type { JsonValue } from './record.js'

/**
 * Deepest nesting of arrays and objects a canonical value may have. JSON.stringify, used on every path
 * that serves or gossips a record, overflows the stack on a few thousand levels: a record it cannot
 * serialise would be stored yet never replicated, so such values are refused before anything is
 * written. 64 levels is far beyond any real document.
 */
export const MAX_JSON_DEPTH = 64

/** Thrown for values JSON cannot represent canonically (NaN, Infinity, lone surrogates, undefined, …). */
export class NonCanonicalValueError extends Error {
  static readonly NAME = 'NonCanonicalValueError'
  readonly path: string
  constructor (message: string, path: string) {
    super(`${message} at ${path === '' ? '(root)' : path}`)
    this.name = NonCanonicalValueError.NAME
    this.path = path
  }
}

export function canonicalize (value: unknown): string {
  const out: string[] = []
  write(value, out, '', 0, false)
  return out.join('')
}

/**
 * The same text as `canonicalize` for any JSON value; for what JSON cannot hold it writes what
 * JSON.stringify writes (undefined and functions: members dropped, array items null; NaN: null; lone
 * surrogates escaped) and reads class instances (the Kubernetes client's models) by their own fields,
 * at any depth, instead of refusing. `undefined` alone gives ''. For comparing and hashing objects the
 * operator builds or reads, never for records.
 */
export function canonicalJson (value: unknown): string {
  const out: string[] = []
  write(value, out, '', 0, true)
  return out.join('')
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol'

/** Canonical string of one JSON string value (also used by the record id fast path). */
export function canonicalString (s: string, path = ''): string {
  if (!s.isWellFormed()) throw new NonCanonicalValueError('string with a lone surrogate', path)
  return JSON.stringify(s)
}

/** Canonical string of one JSON number. */
export function canonicalNumber (n: number, path = ''): string {
  if (!Number.isFinite(n)) throw new NonCanonicalValueError('non-finite number', path)
  // JSON.stringify(-0) is "0", as JCS requires.
  return JSON.stringify(n)
}

function write (value: unknown, out: string[], path: string, depth: number, lenient: boolean): void {
  switch (typeof value) {
    case 'string':
      out.push(lenient ? JSON.stringify(value) : canonicalString(value, path))
      return
    case 'number':
      out.push(lenient ? JSON.stringify(value) : canonicalNumber(value, path))
      return
    case 'boolean':
      out.push(value ? 'true' : 'false')
      return
    case 'object':
      if (value === null) {
        out.push('null')
        return
      }
      if (!lenient && depth >= MAX_JSON_DEPTH) throw new NonCanonicalValueError(`nested deeper than ${MAX_JSON_DEPTH} levels`, path)
      if (Array.isArray(value)) {
        out.push('[')
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',')
          if (lenient && omitted(value[i])) out.push('null')
          else write(value[i], out, `${path}[${i}]`, depth + 1, lenient)
        }
        out.push(']')
        return
      }
      if (!lenient && Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
        throw new NonCanonicalValueError('not a plain object', path)
      }
      writeObject(value as Record<string, unknown>, out, path, depth + 1, lenient)
      return
    default:
      if (lenient && omitted(value)) return
      throw new NonCanonicalValueError(`${typeof value} is not JSON`, path)
  }
}

function writeObject (obj: Record<string, unknown>, out: string[], path: string, depth: number, lenient: boolean): void {
  // Default sort compares UTF-16 code units, which is exactly JCS's order.
  const keys = Object.keys(obj).sort()
  out.push('{')
  let first = true
  for (const k of keys) {
    const v = obj[k]
    // JSON.parse never yields undefined; an object built in code might: JSON drops such members.
    if (v === undefined || (lenient && omitted(v))) continue
    if (!first) out.push(',')
    first = false
    out.push(lenient ? JSON.stringify(k) : canonicalString(k, path), ':')
    write(v, out, `${path}.${k}`, depth, lenient)
  }
  out.push('}')
}

/** Parse JSON text and return it canonicalised. */
export function canonicalizeText (text: string): string {
  return canonicalize(JSON.parse(text) as JsonValue)
}
