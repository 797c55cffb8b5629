import { existsSync } from 'node:fs'
import { join } from 'node:path'
import express from 'express'
import type { NextFunction, Request, Response, Router } from 'express'
import { DashboardAssetsMissingError } from '../dashboard/errors.js'
import type { Dashboard } from '../dashboard/interface.js'

/** What the routes serve: the page's folder and the timeline behind its chart. */
export type DashboardSource = Pick<Dashboard, 'webDir' | 'timeline'>

/**
 * Scripts, styles and connections only from this node: the page works without outside network by
 * construction, and an injected script or inline handler would be refused by the browser.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

function securityHeaders (_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Referrer-Policy', 'no-referrer')
  next()
}

/**
 * The dashboard's routes: `/` (the page), `/dashboard/*` (its assets), `GET /api/lattice/timeline`.
 * Mounted by the API at `/` without the token check: everything here is read-only.
 */
export function dashboardRoutes (dashboard: DashboardSource): Router {
  const router = express.Router()
  const webDir = dashboard.webDir
  const indexFile = join(webDir, 'index.html')

  router.get('/api/lattice/timeline', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store')
    res.json(dashboard.timeline())
  })

  // ETag revalidation instead of max-age: a node upgraded in place serves its new page at once.
  const assets = express.static(webDir, { index: false, cacheControl: true, maxAge: 0, fallthrough: true })
  router.use('/dashboard', securityHeaders, assets)

  router.get('/', securityHeaders, (_req, res) => {
    // Checked per request: the page may be built after the daemon started (development).
    if (!existsSync(indexFile)) {
      const err = new DashboardAssetsMissingError(webDir)
      res.status(503).json({ error: { code: DashboardAssetsMissingError.code, message: err.message } })
      return
    }
    res.setHeader('Cache-Control', 'no-cache')
    res.sendFile(indexFile)
  })

  return router
}
