import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv'
import type { NewEntry } from '../ledger/interface.js'
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../ledger/idempotency.js'
import { BadRequestError } from './errors.js'
import { SYNC_MODE_SETTINGS } from '../../../packages/contracts/src/node-api.js'

const PEER_ID = '^[1-9A-HJ-NP-Za-km-z]{46,}$'
export const MAX_BATCH = 1000

const entry = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'payload'],
  properties: {
    key: { type: 'string', minLength: 1 },
    // Any JSON value; its size is checked by the ledger against the 64 KiB limit.
    payload: {}
  }
}

const bodies = new Ajv({ allErrors: false, strict: true })
// Query strings are strings: coerce numbers, then validate ranges.
const queries = new Ajv({ allErrors: false, strict: true, coerceTypes: true, useDefaults: true })

export const validateEntry = bodies.compile<NewEntry>(entry)
export const validateBatch = bodies.compile<{ records: NewEntry[] }>({
  type: 'object',
  additionalProperties: false,
  required: ['records'],
  properties: { records: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: entry } }
})

/**
 * Query strings are strings: integers are coerced, then ranges validated. ajv's coercion alone would
 * also turn "Infinity", "1e999" or "1.0" into numbers (and SQLite then fails on them), so an integer
 * in a query must be plain decimal digits first.
 */
const DECIMAL = /^(0|[1-9][0-9]{0,14})$/
type QuerySchema = { type: 'object', properties: Record<string, { type?: string } & Record<string, unknown>> } & Record<string, unknown>

export type QueryParser<T> = (query: Record<string, unknown>, code?: string) => T

function compileQuery<T> (schema: QuerySchema): QueryParser<T> {
  const validate = queries.compile<T>(schema)
  const integers = Object.entries(schema.properties).filter(([, p]) => p.type === 'integer').map(([name]) => name)
  return (query, code = 'invalid_request') => {
    for (const name of integers) {
      const value = query[name]
      if (value !== undefined && (typeof value !== 'string' || !DECIMAL.test(value))) {
        throw new BadRequestError(code, `query.${name} must be a whole number written in decimal digits`)
      }
    }
    return check(validate, query, 'query', code)
  }
}

export interface ListQuery { origin?: string, from_seq: number, to_seq?: number, after: number, limit: number }
export const parseListQuery = compileQuery<ListQuery>({
  type: 'object',
  additionalProperties: false,
  properties: {
    origin: { type: 'string', pattern: PEER_ID },
    from_seq: { type: 'integer', minimum: 1, default: 1 },
    to_seq: { type: 'integer', minimum: 1 },
    after: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }
  }
})

export interface ChangesQuery { cursor?: number }
export const parseChangesQuery = compileQuery<ChangesQuery>({
  type: 'object',
  additionalProperties: false,
  properties: { cursor: { type: 'integer', minimum: 0 } }
})

export interface SwitchQuery { mode: 'p2p' | 'http' | 'auto' }
export const parseSwitchQuery = compileQuery<SwitchQuery>({
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: { mode: { type: 'string', enum: SYNC_MODE_SETTINGS } }
})

export const RECORD_ID = /^[0-9a-f]{64}$/
/** The `Idempotency-Key` header: the ledger's one length limit, in characters safe in logs and headers. */
export const IDEMPOTENCY_KEY = new RegExp(`^[A-Za-z0-9_.:-]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`)

function describe (where: string, errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0]
  if (e == null) return `${where} is invalid`
  const at = e.instancePath === '' ? where : `${where}${e.instancePath.replaceAll('/', '.')}`
  if (e.keyword === 'additionalProperties') return `${at}: unknown field "${String(e.params.additionalProperty)}"`
  if (e.keyword === 'enum') return `${at}: must be one of ${(e.params.allowedValues as string[]).join(', ')}`
  return `${at} ${e.message ?? 'is invalid'}`
}

/** Validate and narrow, or throw a 400 that says what is wrong and where. */
export function check<T> (validate: ValidateFunction<T>, value: unknown, where: string, code = 'invalid_request'): T {
  if (!validate(value)) throw new BadRequestError(code, describe(where, validate.errors))
  return value
}
