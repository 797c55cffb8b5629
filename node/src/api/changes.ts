import { once } from 'node:events'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Request, Response } from 'express'
import type { Ledger, StoredRecord } from '../ledger/interface.js'
import { parseChangesQuery } from './validation.js'
import { traceRecords } from '../util/record-trace.js'

export interface ChangesInit {
  /** Comment line sent this often so proxies keep the stream open. */
  keepAliveMs?: number
  /** Records read from the ledger per step while a client catches up (the backlog is served in such chunks). */
  pageSize?: number
}

function frameOf (record: StoredRecord): string {
  const { lsn, ...body } = record
  return `id: ${lsn}\nevent: record\ndata: ${JSON.stringify(body)}\n\n`
}

/**
 * The events of one `applied` batch as bytes, made once and written to every live feed: listeners get
 * the same array, so 200 feeds cost one serialisation and one buffer, not 200.
 */
const appliedBytes = new WeakMap<readonly StoredRecord[], Buffer>()
function bytesOf (records: readonly StoredRecord[]): Buffer {
  let bytes = appliedBytes.get(records)
  if (bytes === undefined) {
    bytes = Buffer.from(records.map(frameOf).join(''))
    appliedBytes.set(records, bytes)
  }
  return bytes
}

/**
 * `GET /api/lattice/changes`: server-sent events of records as this node applies them. Each event's
 * id is the record's lsn, so a client resumes with `Last-Event-ID` (browsers do it by themselves) or
 * `?cursor=`: the backlog after the cursor is sent first, then live records, with no gap and no repeat.
 *
 * The feed never holds a client's records in memory. While the client reads, live records go out as
 * they are applied; when its socket is full (`write` returns false) the feed pauses, and once the
 * socket drains it reads what the client missed from the ledger, a page at a time, yielding to other
 * requests between pages. So a client that stops reading costs one socket buffer, not the ledger.
 */
export function changesHandler (init: ChangesInit, ledger: Ledger): (req: Request, res: Response) => void {
  const keepAliveMs = init.keepAliveMs ?? 15000
  const pageSize = init.pageSize ?? 100
  return (req, res) => {
    const query = parseChangesQuery({ ...req.query })
    const lastEventId = Number(req.get('last-event-id'))
    let cursor = query.cursor ?? (Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : ledger.lastLsn())

    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' })
    res.flushHeaders()

    const closed = new AbortController()
    const send = (record: StoredRecord): void => {
      cursor = record.lsn
      res.write(frameOf(record))
    }

    // Live while caught up and writable; otherwise the pump reads from the ledger after `cursor`. A
    // record is committed before its `applied` event, so a short page fully sent means caught up.
    let pumping = false
    const pump = async (): Promise<void> => {
      pumping = true
      try {
        for (;;) {
          if (res.writableNeedDrain) await once(res, 'drain', { signal: closed.signal })
          const page = ledger.list({ after: cursor, limit: pageSize })
          let sent = 0
          while (sent < page.length && !res.writableNeedDrain) send(page[sent++])
          if (sent === page.length && page.length < pageSize) return
          await nextTurn()
        }
      } catch (err) {
        if (!closed.signal.aborted) res.destroy(err as Error)
      } finally {
        pumping = false
      }
    }
    const onApplied = (records: StoredRecord[]): void => {
      if (pumping || records.length === 0) return
      // lsns are consecutive in apply order: a batch that starts right after the cursor goes out whole.
      // A full socket pauses the feed; what it misses is read from the ledger once it drains.
      if (res.writableNeedDrain || records[0].lsn !== cursor + 1) { void pump(); return }
      res.write(bytesOf(records))
      traceRecords('feed', records)
      cursor = records[records.length - 1].lsn
    }
    ledger.on('applied', onApplied)
    const keepAlive = setInterval(() => { if (!res.writableNeedDrain) res.write(': keep-alive\n\n') }, keepAliveMs)
    const close = (): void => {
      closed.abort()
      clearInterval(keepAlive)
      ledger.off('applied', onApplied)
    }
    req.on('close', close)
    res.on('close', close)
    void pump()
  }
}
