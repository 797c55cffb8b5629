import type { Request, Response } from 'express'
import type { Ledger, StoredRecord } from '../ledger/interface.js'
import { parseChangesQuery } from './validation.js'

export interface ChangesInit {
  /** Comment line sent this often so proxies keep the stream open. */
  keepAliveMs?: number
  /** Records a slow client may fall behind before the stream is closed (it resumes from its cursor). */
  maxQueued?: number
}

const BACKFILL_PAGE = 500

/**
 * `GET /api/lattice/changes`: server-sent events of records as this node applies them. Each event's
 * id is the record's lsn, so a client resumes with `Last-Event-ID` (browsers do it by themselves) or
 * `?cursor=`: the backlog after the cursor is sent first, then live records, with no gap and no repeat.
 */
export function changesHandler (init: ChangesInit, ledger: Ledger): (req: Request, res: Response) => void {
  const keepAliveMs = init.keepAliveMs ?? 15000
  const maxQueued = init.maxQueued ?? 10000
  return (req, res) => {
    const query = parseChangesQuery({ ...req.query })
    const lastEventId = Number(req.get('last-event-id'))
    let cursor = query.cursor ?? (Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : ledger.lastLsn())

    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' })
    res.flushHeaders()

    const send = (record: StoredRecord): void => {
      if (record.lsn <= cursor) return
      cursor = record.lsn
      const { lsn, ...body } = record
      res.write(`id: ${lsn}\nevent: record\ndata: ${JSON.stringify(body)}\n\n`)
    }
    // Live records that arrive while the backlog is being written wait here, then go in order.
    let live: StoredRecord[] | undefined = []
    const onApplied = (records: StoredRecord[]): void => {
      if (live !== undefined) {
        live.push(...records)
        if (live.length > maxQueued) res.end()
        return
      }
      for (const record of records) send(record)
    }
    ledger.on('applied', onApplied)
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs)
    const close = (): void => { clearInterval(keepAlive); ledger.off('applied', onApplied) }
    req.on('close', close)
    res.on('close', close)

    for (;;) {
      const page = ledger.list({ after: cursor, limit: BACKFILL_PAGE })
      for (const record of page) send(record)
      if (page.length < BACKFILL_PAGE) break
    }
    const queued = live
    live = undefined
    for (const record of queued) send(record)
  }
}
