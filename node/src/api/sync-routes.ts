/**
 * Node-to-node sync endpoints, mounted by the API at /api/lattice/sync behind the bearer-token check:
 *   POST /pull   JSON {version_vector, limit?, max_bytes?} → one compressed batch {records, more, version_vector}
 *   POST /push   a compressed batch {records} → JSON {applied, duplicates, buffered, rejected, version_vector}
 *   POST /p2p?enabled=true|false → stop or start libp2p on this node: an operational control ("cut P2P
 *        for maintenance"), also how tests and the dashboard cut and restore P2P on a running node.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express'
import { MalformedFrameError } from '../sync/errors.js'
import { checkRequest, decodeBatch, encodeFrame, type SyncBatch, type SyncRequest } from '../sync/codec.js'
import { BATCH_CONTENT_TYPE } from '../sync/http/client.js'
import type { SyncService } from '../sync/interface.js'

/** What the routes need of the sync service: its node-to-node exchange and the P2P switch. */
export type SyncEndpoints = Pick<SyncService, 'pull' | 'push' | 'setP2PEnabled'>

/** Largest compressed push body (a batch is bounded uncompressed at batchMaxBytes, 1 MiB by default). */
const MAX_BODY = '16mb'

function sendError (res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } })
}

export function syncRoutes (endpoints: SyncEndpoints): Router {
  const router = express.Router()
  const json = express.json({ limit: '1mb' })
  const raw = express.raw({ type: () => true, limit: MAX_BODY })

  router.post('/pull', json, async (req: Request, res: Response) => {
    let request: SyncRequest
    try {
      request = checkRequest(req.body)
    } catch (err) {
      sendError(res, 400, MalformedFrameError.code, (err as Error).message)
      return
    }
    const batch = await endpoints.pull(request)
    res.status(200).type(BATCH_CONTENT_TYPE).send(Buffer.from(await encodeFrame(batch)))
  })

  router.post('/push', raw, async (req: Request, res: Response) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      sendError(res, 400, MalformedFrameError.code, `expected a ${BATCH_CONTENT_TYPE} body`)
      return
    }
    let batch: SyncBatch
    try {
      batch = await decodeBatch(req.body)
    } catch (err) {
      sendError(res, 400, MalformedFrameError.code, (err as Error).message)
      return
    }
    res.status(200).json(await endpoints.push(batch.records))
  })

  router.post('/p2p', async (req: Request, res: Response) => {
    const enabled = req.query.enabled
    if (enabled !== 'true' && enabled !== 'false') {
      sendError(res, 400, 'INVALID_QUERY', 'query parameter enabled must be true or false')
      return
    }
    const out = await endpoints.setP2PEnabled(enabled === 'true')
    res.status(200).json({ success: true, ...out })
  })

  // express 5 forwards rejected promises here: answer JSON, never crash the node
  router.use((err: Error & { status?: number, type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500
    sendError(res, status, status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'SYNC_ERROR', err.message)
  })
  return router
}
