import { existsSync } from 'node:fs'
import { join } from 'node:path'
import express from 'express'
import type { NextFunction, Request, Response, Router } from 'express'
import { DashboardAssetsMissingError } from './errors.js'
import type { Timeline } from './interface.js'

export interface DashboardRouterInit {
  webDir: string
}

export interface DashboardRouterComponents {
  timeline: () => Timeline
}

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

export function createDashboardRouter (init: DashboardRouterInit, components: DashboardRouterComponents): Router {
  const router = express.Router()
  const indexFile = join(init.webDir, 'index.html')

  router.get('/api/lattice/timeline', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store')
    res.json(components.timeline())
  })

  // ETag revalidation instead of max-age: a node upgraded in place serves its new page at once.
  const assets = express.static(init.webDir, { index: false, cacheControl: true, maxAge: 0, fallthrough: true })
  router.use('/dashboard', securityHeaders, assets)

  router.get('/', securityHeaders, (_req, res) => {
    // Checked per request: the page may be built after the daemon started (development).
    if (!existsSync(indexFile)) {
      const err = new DashboardAssetsMissingError(init.webDir)
      res.status(503).json({ error: { code: DashboardAssetsMissingError.code, message: err.message } })
      return
    }
    res.setHeader('Cache-Control', 'no-cache')
    res.sendFile(indexFile)
  })

  return router
}
