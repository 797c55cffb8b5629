/**
 * The dashboard page in a real Chromium against the real dashboard routes and a real express server
 * whose status the test drives: the page's green / yellow / red / stale logic, the peers table, the
 * chart's failover marker, the sync mode control with the real bearer-token middleware, accessibility
 * basics and the no-outside-network rule.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Server } from 'node:http'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createDashboard, defaultWebDir } from '../../node/src/dashboard/index.js'
import type { Dashboard, Timeline } from '../../node/src/dashboard/index.js'
import { requireToken } from '../../node/src/api/auth.js'
import { dashboardRoutes } from '../../node/src/api/dashboard-routes.js'
import { HttpError } from '../../node/src/api/errors.js'
import type { P2PStatus, SyncModeSetting } from '../../node/src/sync/interface.js'
import { TransitionFeed } from '../../node/src/sync/transitions.js'
import { request } from '../../packages/testkit/src/node/index.js'
import { p2pStatus } from '../../packages/testkit/src/fixtures/index.js'
import { httpErrorLog, launchChromium, screenshot, watchPage } from './browser.js'
import type { PageWatch } from './browser.js'
import { textContrast } from './contrast.js'

const ROOT_A = 'a1'.repeat(32)
const ROOT_B = 'b2'.repeat(32)
const PEER_1 = '12D3KooWGxyTestPeerOneAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const PEER_2 = '12D3KooWHzzTestPeerTwoBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'

function healthy (): P2PStatus {
  const now = new Date().toISOString()
  return p2pStatus({
    peer_id: '12D3KooWSelfNodeCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
    listen_addrs: ['/ip4/127.0.0.1/tcp/9000'],
    peers: [
      { peer_id: PEER_1, addrs: ['/ip4/127.0.0.1/tcp/9001'], latency_ms: 0.7, last_heartbeat: now, merkle_root: ROOT_A, record_count: 42, in_sync: true, state_diverged: false },
      { peer_id: PEER_2, addrs: ['/ip4/127.0.0.1/tcp/9002'], latency_ms: 12, last_heartbeat: now, merkle_root: ROOT_B, record_count: 41, in_sync: false, state_diverged: false }
    ],
    last_sync: now,
    merkle_root: ROOT_A,
    record_count: 42
  })
}

describe('dashboard page in Chromium', () => {
  const token = randomBytes(18).toString('base64url')
  let status: P2PStatus = healthy()
  let hang = false
  const held: Response[] = []
  let switches = 0
  let dashboard: Dashboard
  let server: Server
  let base: string
  let browser: Browser | undefined
  let context: BrowserContext
  let page: Page
  let watch: PageWatch

  async function level (): Promise<string | null> {
    return await page.getAttribute('#indicator', 'data-level')
  }

  async function waitForLevel (want: string): Promise<void> {
    // The page refreshes every 5 s and a request times out after 4 s: 30 s is generous on a busy machine.
    await waitFor(() => `indicator ${want}`, async () => (await level()) === want, { timeoutMs: 30_000, intervalMs: 100 })
  }

  // The stand-in for the sync service's transition events (the real node's come from its mode machine).
  const transitions = new TransitionFeed((err) => { throw err })

  function applySwitch (mode: SyncModeSetting): void {
    if (mode !== status.sync_mode) transitions.emit({ t: Date.now(), kind: 'mode_switch', from: status.sync_mode, to: mode })
    const peers = status.peer_count > 0
    status = {
      ...status,
      sync_mode: mode,
      mode: mode === 'http' ? 'HTTP' : peers ? 'P2P' : mode === 'auto' ? 'NONE' : 'NONE',
      http_sync_enabled: mode === 'http'
    }
  }

  beforeAll(async () => {
    if (!existsSync(path.join(defaultWebDir(), 'index.html'))) {
      throw new Error(`the dashboard page is not built in ${defaultWebDir()}: run bash node/src/dashboard/web/build.sh <dist dir>`)
    }
    dashboard = createDashboard({ peerlessTimeoutMs: 45_000 }, { status: () => status, transitions })
    const app = express()
    app.get('/api/lattice/p2p/status', (_req, res) => {
      // A frozen node: the request is accepted and never answered.
      if (hang) { held.push(res); return }
      res.json(status)
    })
    app.post('/api/lattice/sync/switch', requireToken(token), (req, res) => {
      const mode = String(req.query.mode)
      if (mode !== 'p2p' && mode !== 'http' && mode !== 'auto') {
        res.status(400).json({ error: { code: 'invalid_mode', message: `unknown mode ${mode}` } })
        return
      }
      switches++
      applySwitch(mode)
      res.json({ success: true, message: `Sync mode set to ${mode} (switch #${switches})`, mode })
    })
    app.use(dashboardRoutes(dashboard))
    app.use((err: Error, _req: Request, res: Response, next: NextFunction) => {
      if (!(err instanceof HttpError)) { next(err); return }
      res.status(err.status).json({ error: { code: err.code, message: err.message } })
    })
    server = await new Promise<Server>(resolve => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    dashboard.start()

    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1200, height: 1000 } })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
    page = await context.newPage()
    watch = watchPage(page)
    await page.goto(`${base}/`)
  }, 60_000)

  afterAll(async () => {
    hang = false
    for (const res of held) res.destroy()
    dashboard?.stop()
    await browser?.close()
    server?.closeAllConnections()
    await new Promise(resolve => server?.close(resolve))
  })

  it('shows green "Resilient (P2P Mode)" with the details and the peers of a healthy node', async () => {
    await waitForLevel('green')
    expect(await page.textContent('#indicator-text')).toBe('Resilient (P2P Mode)')
    expect(await page.textContent('#d-mode')).toBe('P2P')
    expect(await page.textContent('#d-peers')).toBe('2')
    expect(await page.textContent('#d-heartbeat')).toBe('Active')
    expect(await page.textContent('#d-records')).toBe('42')
    expect(await page.textContent('#d-last-sync')).toMatch(/^\d\d:\d\d:\d\d \(\d+ s ago\)$/)
    expect(await page.textContent('#d-root')).toBe(`${ROOT_A.slice(0, 12)}…${ROOT_A.slice(-4)}`)
    expect(await page.getAttribute('#d-root', 'title')).toBe(ROOT_A)
    expect(await page.textContent('#node-id')).toBe(status.peer_id)
    expect(await page.textContent('#live')).toBe('Resilient (P2P Mode)')

    const rows = page.locator('#peers-body tr')
    expect(await rows.count()).toBe(2)
    expect(await rows.nth(0).locator('th').getAttribute('title')).toBe(PEER_1)
    const first = await rows.nth(0).locator('td').allTextContents()
    expect(first[0]).toBe('/ip4/127.0.0.1/tcp/9001')
    expect(first[1]).toBe('0.7 ms')
    expect(first[2]).toMatch(/s ago\)$/)
    expect(first[4]).toBe('Matches')
    const second = await rows.nth(1).locator('td').allTextContents()
    expect(second[1]).toBe('12 ms')
    expect(second[4]).toBe('Differs')

    // The configured mode is the pressed button; the help text carries the node's own timeout.
    expect(await page.getAttribute('button[data-mode="auto"]', 'aria-pressed')).toBe('true')
    expect(await page.getAttribute('button[data-mode="http"]', 'aria-pressed')).toBe('false')
    await waitFor('peerless timeout in help text', async () => (await page.textContent('#peerless')) === '45 seconds', { timeoutMs: 20_000 })
    expect(await textContrast(page, '#indicator')).toBeGreaterThanOrEqual(4.5)

    // Copy puts the full root on the clipboard.
    await page.click('#copy-root')
    await waitFor('copy confirmation', async () => (await page.textContent('#copy-msg')) === 'Copied.', { timeoutMs: 10_000 })
    expect(await page.evaluate(async () => await navigator.clipboard.readText())).toBe(ROOT_A)

    await screenshot(page, 'page-green')
    expect(watch.errors).toEqual([])
  }, 90_000)

  it('turns yellow in HTTP fallback, announces it, and marks the failover on the chart', async () => {
    status = { ...status, mode: 'HTTP', peer_count: 0, has_peers: false, http_sync_enabled: true, peers: [] }
    transitions.emit({ t: Date.now(), kind: 'failover', from: 'P2P', to: 'HTTP' })
    await waitForLevel('yellow')
    expect(await page.textContent('#indicator-text')).toBe('Resilient (HTTP Fallback)')
    expect(await page.textContent('#live')).toBe('Resilient (HTTP Fallback)')
    expect(await page.textContent('#d-http')).toBe('Enabled')
    expect(await page.textContent('#peers-body')).toContain('No connected peers.')
    expect(await textContrast(page, '#indicator')).toBeGreaterThanOrEqual(4.5)

    // The sampler saw P2P → HTTP; the next timeline refresh draws the marker and lists it.
    await waitFor('failover marker on the chart', async () => (await page.locator('#chart .event-failover').count()) > 0, { timeoutMs: 30_000, intervalMs: 200 })
    expect(await page.textContent('#event-list')).toContain('failover: P2P → HTTP')
    expect(await page.textContent('#chart-summary')).toMatch(/1 failover/)
    const tl = (await request<Timeline>(`${base}/api/lattice/timeline`)).body
    expect(tl.events.map(e => e.kind)).toContain('failover')
    expect(await page.locator('#chart .series-peers').count()).toBe(1)
    expect(await page.locator('#chart .band rect.band-http').count()).toBeGreaterThan(0)

    await screenshot(page, 'page-yellow')
    expect(watch.errors).toEqual([])
  }, 90_000)

  it('turns red "Degraded (No Peers)" with neither peers nor HTTP fallback', async () => {
    status = { ...status, mode: 'NONE', peer_count: 0, has_peers: false, http_sync_enabled: false, heartbeat_active: false }
    await waitForLevel('red')
    expect(await page.textContent('#indicator-text')).toBe('Degraded (No Peers)')
    expect(await page.textContent('#d-heartbeat')).toBe('Inactive')
    expect(await textContrast(page, '#indicator')).toBeGreaterThanOrEqual(4.5)
    await screenshot(page, 'page-red')
    expect(watch.errors).toEqual([])
  }, 90_000)

  it('shows "stale" when the node stops answering, and comes back when it answers again', async () => {
    status = healthy()
    await waitForLevel('green')
    hang = true
    await waitForLevel('stale')
    expect(await page.textContent('#indicator-text')).toMatch(/^Stale: the node has not answered since \d\d:\d\d:\d\d$/)
    expect(await page.getAttribute('#status-card', 'class')).toContain('is-stale')
    // The last known values stay visible (dimmed), not blanked.
    expect(await page.textContent('#d-peers')).toBe('2')
    expect(await textContrast(page, '#indicator')).toBeGreaterThanOrEqual(4.5)
    await screenshot(page, 'page-stale')

    hang = false
    await waitForLevel('green')
    expect(await page.getAttribute('#status-card', 'class')).not.toContain('is-stale')
    expect(watch.errors).toEqual([])
  }, 90_000)

  it('switches the mode: the 401 message without the token, the switch with it, the token kept for the session', async () => {
    status = healthy()
    await waitForLevel('green')
    // The token is asked for with a labelled field.
    const tokenInput = page.getByLabel('API token')
    expect(await tokenInput.isVisible()).toBe(true)

    // Without the token: the server's 401 message, nothing switched.
    watch.expect(httpErrorLog(401, '/api/lattice/sync/switch'))
    await page.getByRole('button', { name: 'HTTP Only' }).click()
    await waitFor('401 message', async () => /401/.test(await page.textContent('#control-msg') ?? ''), { timeoutMs: 15_000 })
    const msg401 = await page.textContent('#control-msg')
    expect(msg401).toContain('Not authorised (401)')
    expect(msg401).toContain('a bearer token is required')
    expect(await page.getAttribute('#control-msg', 'data-kind')).toBe('error')
    expect(switches).toBe(0)
    expect((await request<P2PStatus>(`${base}/api/lattice/p2p/status`)).body.sync_mode).toBe('auto')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token')
    await screenshot(page, 'page-switch-401')

    // With the token: the pending switch goes through, the server's message is shown.
    await tokenInput.fill(token)
    await page.getByRole('button', { name: 'Use token' }).click()
    await waitFor(() => 'switch message', async () => (await page.textContent('#control-msg')) === 'Sync mode set to http (switch #1)', { timeoutMs: 15_000 })
    expect(await page.getAttribute('#control-msg', 'data-kind')).toBe('ok')
    expect((await request<P2PStatus>(`${base}/api/lattice/p2p/status`)).body.sync_mode).toBe('http')
    expect(await page.getAttribute('button[data-mode="http"]', 'aria-pressed')).toBe('true')
    expect(await page.getAttribute('button[data-mode="auto"]', 'aria-pressed')).toBe('false')
    await waitForLevel('yellow')
    await screenshot(page, 'page-switch-http')

    // Kept for the session: after a reload no token is asked for, and the keyboard alone switches.
    expect(await page.evaluate(() => sessionStorage.getItem('lattice.dashboard.apiToken'))).toBe(token)
    await page.reload()
    await waitForLevel('yellow')
    expect(await page.isVisible('#token-form')).toBe(false)
    expect(await page.isVisible('#token-saved')).toBe(true)
    await page.getByRole('button', { name: 'Auto (Recommended)' }).focus()
    await page.keyboard.press('Enter')
    await waitFor('keyboard switch message', async () => (await page.textContent('#control-msg')) === 'Sync mode set to auto (switch #2)', { timeoutMs: 15_000 })
    expect(status.sync_mode).toBe('auto')
    await waitForLevel('green')

    // A wrong token is forgotten and asked for again.
    await page.evaluate(() => sessionStorage.setItem('lattice.dashboard.apiToken', 'not-the-token'))
    await page.reload()
    await waitForLevel('green')
    await page.getByRole('button', { name: 'P2P Only' }).click()
    await waitFor('wrong-token message', async () => /Not authorised \(401\): the bearer token is not valid/.test(await page.textContent('#control-msg') ?? ''), { timeoutMs: 15_000 })
    expect(await page.isVisible('#token-form')).toBe(true)
    expect(await page.evaluate(() => sessionStorage.getItem('lattice.dashboard.apiToken'))).toBe(null)
    expect(status.sync_mode).toBe('auto')
    expect(watch.errors).toEqual([])
  }, 120_000)

  it('meets contrast in the dark colour scheme too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await waitForLevel('green')
    expect(await textContrast(page, '#indicator')).toBeGreaterThanOrEqual(4.5)
    expect(await textContrast(page, 'body')).toBeGreaterThanOrEqual(4.5)
    await screenshot(page, 'page-green-dark')
    await page.emulateMedia({ colorScheme: 'light' })
    expect(watch.errors).toEqual([])
  }, 60_000)

  it('loads nothing from outside the node, under a strict CSP, with a small bundle', async () => {
    const foreign = watch.requests.filter(u => !u.startsWith(`${base}/`) && !u.startsWith('data:'))
    expect(foreign).toEqual([])
    const res = await fetch(`${base}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await res.text()).toContain('Sync mode control')

    const dir = defaultWebDir()
    let bytes = 0
    for (const f of await readdir(dir)) bytes += (await stat(path.join(dir, f))).size
    // Reported in docs/dashboard.md; a framework would be ~10x this.
    console.log(`dashboard bundle: ${bytes} bytes uncompressed in ${dir}`)
    expect(bytes).toBeLessThan(80 * 1024)
    expect(watch.errors).toEqual([])
  })
})
