import { isUtf8 } from 'node:buffer'
import { randomUUID } from 'node:crypto'
import express, { type Application, type ErrorRequestHandler, type RequestHandler } from 'express'
import type { Registry } from 'prom-client'
import type { Ledger } from '../ledger/interface.js'
import type { SyncService } from '../sync/interface.js'
import type { Logger } from '../../../packages/log/src/index.js'
import { requireToken } from './auth.js'
import { changesHandler } from './changes.js'
import { BadRequestError, ConflictError, HttpError, NotFoundError, PayloadTooLargeError, ServiceUnavailableError, UnsupportedMediaTypeError } from './errors.js'
import { healthReport, notReadyReasons, storageIntact } from './health.js'
import { createApiMetrics } from './metrics.js'
import { dashboardRoutes, type DashboardSource } from './dashboard-routes.js'
import { recordsRouter } from './records.js'
import { syncRoutes } from './sync-routes.js'
import { closeWithoutReading } from './unread-body.js'
import { parseSwitchQuery } from './validation.js'

export interface ApiInit {
  /** Bearer token for mutations, record reads and node-to-node sync. */
  token: string
  /** Body limit of single-record requests (a 64 KiB payload plus its key fits). */
  recordBodyLimit?: string
  /** Body limit of batch requests (up to 1,000 records). */
  batchBodyLimit?: string
}

export interface ApiComponents {
  ledger: Ledger
  sync: SyncService
  registry: Registry
  logger: Logger
  /** The dashboard (its page and timeline), served at `/` by dashboard-routes.ts. */
  dashboard?: DashboardSource
  /** True once every part of the node has started. */
  isStarted: () => boolean
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/

/** The ledger's named errors and what a client is told about them. */
function fromLedgerError (err: Error): HttpError | undefined {
  switch (err.name) {
    case 'InvalidEntryError': {
      const { field, limit } = err as Error & { field?: string, limit?: number }
      return field === 'payload' && limit !== undefined ? new PayloadTooLargeError(err.message) : new BadRequestError('invalid_record', err.message)
    }
    case 'IdempotencyConflictError': return new ConflictError('idempotency_conflict', err.message)
    case 'StorageCorruptError': return new ServiceUnavailableError('storage_corrupt', err.message)
    case 'LedgerClosedError': return new ServiceUnavailableError('shutting_down', err.message)
    default: return undefined
  }
}

/**
 * Errors that express and its body parser raise for a bad request (a path whose percent-encoding does
 * not decode, a body that does not inflate) carry a 4xx `status`: they are the client's, not ours.
 */
function fromClientError (err: Error): HttpError | undefined {
  const status = (err as { status?: unknown }).status
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined
  return new HttpError(status, status === 400 ? 'bad_request' : 'client_error', err.message)
}

/** body-parser `verify`: refuse bytes that are not UTF-8 instead of decoding them to U+FFFD. */
function requireUtf8 (_req: unknown, _res: unknown, buf: Buffer): void {
  if (!isUtf8(buf)) throw new BadRequestError('invalid_utf8', 'the body is not valid UTF-8')
}

export function createApiApp (init: ApiInit, components: ApiComponents): Application {
  const { ledger, sync, registry, logger } = components
  const metrics = createApiMetrics(registry)
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('query parser', 'simple')

  // The histogram's series per method, route and status, looked up once each: a labelled observe
  // hashes its label set on every call. Methods are the few node's HTTP parser accepts, routes and
  // statuses the app's own, so the map stays small.
  const durationSeries = new Map<string, { observe: (seconds: number) => void }>()
  const observeDuration = (method: string, route: string, status: number, seconds: number): void => {
    const key = `${method} ${status} ${route}`
    let series = durationSeries.get(key)
    if (series === undefined) {
      series = metrics.requestDuration.labels({ method, route, status: String(status) })
      durationSeries.set(key, series)
    }
    series.observe(seconds)
  }

  // Request id (kept from the caller when well-formed), access log at debug, latency histogram.
  app.use((req, res, next) => {
    const given = req.get('x-request-id')
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID()
    res.locals.requestId = requestId
    res.set('X-Request-Id', requestId)
    const started = performance.now()
    res.on('finish', () => {
      const route = req.route?.path !== undefined ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched'
      observeDuration(req.method, route, res.statusCode, (performance.now() - started) / 1000)
      if (logger.isLevelEnabled?.('debug') !== false) {
        logger.debug('request', { request_id: requestId, method: req.method, path: req.path, status: res.statusCode })
      }
    })
    next()
  })

  const auth = requireToken(init.token)
  // A node whose integrity check failed must not serve its data as if it were right.
  const integrityGuard: RequestHandler = (_req, _res, next) => {
    const report = ledger.lastIntegrity()
    if (!storageIntact(report)) { next(new ServiceUnavailableError('integrity_check_failed', `the ledger failed its integrity check: ${report!.errors.join('; ')}`)); return }
    next()
  }

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }) })
  app.get('/readyz', (_req, res) => {
    const reasons = notReadyReasons(ledger, components.isStarted(), sync.recovery())
    res.status(reasons.length === 0 ? 200 : 503).json({ ready: reasons.length === 0, reasons })
  })
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics())
  })
  app.get('/api/lattice/health', (_req, res) => { res.json(healthReport(ledger, sync)) })
  app.get('/api/lattice/p2p/status', (_req, res) => { res.json(sync.status()) })
  app.get('/api/lattice/state', integrityGuard, (_req, res) => {
    res.json({ merkle_root: ledger.merkleRoot(), record_count: ledger.recordCount(), version_vector: ledger.versionVector() })
  })

  app.post('/api/lattice/sync/switch', auth, (req, res) => {
    const { mode } = parseSwitchQuery({ ...req.query }, 'invalid_mode')
    const result = sync.switchMode(mode)
    logger.info('sync mode switched', { mode, success: result.success })
    res.status(result.success ? 200 : 409).json(result)
  })
  app.use('/api/lattice/sync', auth, syncRoutes(sync))
  // The full check on demand (the start-up check verifies only what was written since the last one).
  app.post('/api/lattice/integrity/check', auth, (_req, res, next) => {
    ledger.integrityCheck().then((report) => { res.json(report) }, next)
  })

  // The token is checked before a body is read: an unauthenticated client costs no parsing and no
  // inflation. Bodies must be valid UTF-8 (a replaced byte would silently change what is signed).
  const records = recordsRouter(ledger)
  app.use(['/api/lattice/records', '/api/lattice/keys'], auth, integrityGuard)
  // A node that does not know its own head yet would sign seqs its peers already hold: no writes.
  app.post(['/api/lattice/records', '/api/lattice/records/batch'], (_req, res, next) => {
    const recovery = sync.recovery()
    if (!recovery.recovering) { next(); return }
    res.set('Retry-After', '1')
    next(new ServiceUnavailableError('recovering', `writes are refused until this node holds its own records: ${recovery.reason}`))
  })
  app.use('/api/lattice/records/batch', express.json({ limit: init.batchBodyLimit ?? '16mb', verify: requireUtf8 }))
  app.use(['/api/lattice/records', '/api/lattice/keys'], express.json({ limit: init.recordBodyLimit ?? '256kb', verify: requireUtf8 }))
  app.use('/api/lattice', records)
  app.get('/api/lattice/changes', auth, integrityGuard, changesHandler({}, ledger))

  if (components.dashboard !== undefined) app.use(dashboardRoutes(components.dashboard))

  app.use((req, _res, next) => { next(new NotFoundError(`no route ${req.method} ${req.path}`)) })

  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const error = err instanceof Error ? err : new Error(String(err))
    const parserType = (error as { type?: string }).type
    let http: HttpError | undefined
    if (error instanceof HttpError) http = error
    else if (parserType === 'entity.parse.failed') http = new BadRequestError('malformed_json', `the body is not valid JSON: ${error.message}`)
    else if (parserType === 'entity.too.large') http = new PayloadTooLargeError(`the body is larger than this endpoint accepts (${error.message})`)
    else if (parserType === 'encoding.unsupported' || parserType === 'charset.unsupported') http = new UnsupportedMediaTypeError(error.message)
    else if (parserType !== undefined) http = new BadRequestError('bad_body', error.message)
    else http = fromLedgerError(error) ?? fromClientError(error)
    if (http === undefined) {
      logger.error('request failed', { request_id: res.locals.requestId, error: error.message, stack: error.stack })
      http = new HttpError(500, 'internal', 'internal error; see the node log for request id ' + String(res.locals.requestId))
    }
    if (res.headersSent) { res.end(); return }
    // An answer given before the body was read (no token, a declared length over the limit) ends the
    // connection instead of reading the rest of the body.
    closeWithoutReading(req, res)
    res.status(http.status).json({ error: { code: http.code, message: http.message } })
  }
  app.use(onError)
  return app
}
