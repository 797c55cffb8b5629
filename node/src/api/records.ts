import { Router, type Request } from 'express'
import type { Ledger } from '../ledger/interface.js'
import { toWireRecord } from '../../../packages/contracts/src/record.js'
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../ledger/idempotency.js'
import { BadRequestError, NotFoundError } from './errors.js'
import { check, IDEMPOTENCY_KEY, RECORD_ID, validateBatch, validateEntry, parseListQuery } from './validation.js'

function idempotencyKey (req: Request): string | undefined {
  const value = req.get('idempotency-key')
  if (value === undefined) return undefined
  if (!IDEMPOTENCY_KEY.test(value)) throw new BadRequestError('invalid_idempotency_key', `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters of A-Z a-z 0-9 _ . : -`)
  return value
}

/**
 * Writes answer 201 only after the ledger's commit is durable; reads come from the same ledger. The
 * token check is applied by the app (writes and reads of records both need it).
 */
export function recordsRouter (ledger: Ledger): Router {
  const router = Router()

  router.post('/records', async (req, res) => {
    const entry = check(validateEntry, req.body, 'body', 'invalid_record')
    const [record] = await ledger.append([entry], { idempotencyKey: idempotencyKey(req) })
    res.status(201).location(`/api/lattice/records/${record.id}`).json(toWireRecord(record))
  })

  router.post('/records/batch', async (req, res) => {
    const body = check(validateBatch, req.body, 'body', 'invalid_record')
    const records = await ledger.append(body.records, { idempotencyKey: idempotencyKey(req) })
    res.status(201).json({ records: records.map(toWireRecord) })
  })

  router.get('/records/:id', (req, res) => {
    const id = req.params.id
    if (!RECORD_ID.test(id)) throw new BadRequestError('invalid_record_id', 'a record id is 64 lowercase hex characters')
    const record = ledger.get(id)
    if (record === undefined) throw new NotFoundError(`no record ${id}`)
    res.json(toWireRecord(record))
  })

  // Two ways to page: one origin by seq range (`origin`, `from_seq`, `to_seq`), or everything in this
  // node's apply order after a cursor (`after`). `next` is the query for the following page, or null.
  router.get('/records', (req, res) => {
    const query = parseListQuery({ ...req.query })
    if (query.origin !== undefined) {
      const records = ledger.listByOrigin(query.origin, query.from_seq, query.to_seq, query.limit)
      const last = records.at(-1)
      const more = records.length === query.limit && last !== undefined && (query.to_seq === undefined || last.seq < query.to_seq)
      res.json({ records: records.map(toWireRecord), next: more ? { origin: query.origin, from_seq: last.seq + 1 } : null })
      return
    }
    const records = ledger.list({ after: query.after, limit: query.limit })
    const last = records.at(-1)
    res.json({
      records: records.map(toWireRecord),
      next: records.length === query.limit && last !== undefined ? { after: last.lsn } : null
    })
  })

  router.get('/keys/:key', (req, res) => {
    const key = req.params.key
    const record = ledger.latestByKey(key)
    if (record === undefined) throw new NotFoundError(`no record with key ${JSON.stringify(key)}`)
    res.json(toWireRecord(record))
  })

  return router
}
