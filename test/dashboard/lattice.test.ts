/**
 * Acceptance: the dashboard of a real 3-node lattice (real node processes, real libp2p, real HTTP) in
 * a real Chromium. Green with 2 peers; P2P cut on that node turns it yellow within the failover time;
 * restored, green again. The mode control switches the real node (checked through the API) with the
 * token and shows the 401 message without it. Screenshots of each state go to artifacts/dashboard/.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Browser, Page } from 'playwright-core'
import { startLattice } from '../../packages/testkit/src/node/index.js'
import type { Lattice, NodeProcess } from '../../packages/testkit/src/node/index.js'
import type { P2PStatus } from '../../node/src/sync/interface.js'
import type { Timeline } from '../../node/src/dashboard/index.js'
import { httpErrorLog, launchChromium, screenshot, watchPage } from './browser.js'
import type { PageWatch } from './browser.js'

const PEERLESS_TIMEOUT_S = 5
/** The page refreshes every 5 s; the failover goal is the peerless timeout plus at most 1 s. */
const PAGE_REFRESH_MS = 5_000
/** Slack for a loaded 2-core machine on top of timeout + refresh. */
const SLACK_MS = 20_000

async function status (node: NodeProcess): Promise<P2PStatus> {
  const res = await node.api<P2PStatus>('/api/lattice/p2p/status', { auth: false })
  if (res.status !== 200) throw new Error(`status of ${node.url}: ${res.status}`)
  return res.body
}

async function setP2P (node: NodeProcess, enabled: boolean): Promise<void> {
  const res = await node.api(`/api/lattice/sync/p2p?enabled=${String(enabled)}`, { method: 'POST' })
  if (res.status !== 200) throw new Error(`p2p enabled=${String(enabled)} on ${node.url}: ${res.status} ${JSON.stringify(res.body)}`)
}

describe('dashboard of a real 3-node lattice', () => {
  let lattice: Lattice | undefined
  let browser: Browser | undefined
  let page: Page
  let watch: PageWatch

  async function level (p: Page = page): Promise<string | null> {
    return await p.getAttribute('#indicator', 'data-level')
  }

  beforeAll(async () => {
    lattice = await startLattice(3, {
      env: {
        AETHEL_HEARTBEAT_INTERVAL: '1',
        AETHEL_PEERLESS_TIMEOUT: String(PEERLESS_TIMEOUT_S),
        AETHEL_HTTP_POLL_INTERVAL: '1',
        AETHEL_LOG_LEVEL: 'warn'
      }
    })
    const [n0] = lattice.nodes
    await waitFor(() => 'node 0 to see its 2 peers in P2P mode', async () => {
      const s = await status(n0)
      return s.peer_count === 2 && s.mode === 'P2P'
    }, { timeoutMs: 60_000, intervalMs: 200 })
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } })
    page = await context.newPage()
    watch = watchPage(page)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await lattice?.destroy()
  })

  it('shows green with 2 peers, yellow within the failover time after P2P is cut, green again after restore', async () => {
    if (lattice === undefined) throw new Error('no lattice')
    const [n0, n1] = lattice.nodes
    // The dashboard's data is readable without the token, like status and health (DESIGN: Auth).
    const tlRes = await n0.api<Timeline>('/api/lattice/timeline', { auth: false })
    expect({ status: tlRes.status, body: tlRes.status === 200 ? 'timeline' : tlRes.body }).toEqual({ status: 200, body: 'timeline' })
    // Some traffic, so the chart's records-per-second series and the record count move.
    for (let i = 0; i < 20; i++) {
      const res = await n1.api('/api/lattice/records', { method: 'POST', body: { key: `dash-${i}`, payload: { i } } })
      expect(res.status).toBe(201)
    }
    await waitFor('records gossiped to node 0', async () => (await status(n0)).record_count >= 20, { timeoutMs: 30_000 })

    await page.goto(`${n0.url}/`)
    await waitFor('green', async () => (await level()) === 'green', { timeoutMs: 30_000, intervalMs: 100 })
    expect(await page.textContent('#indicator-text')).toBe('Resilient (P2P Mode)')
    expect(await page.textContent('#d-peers')).toBe('2')
    expect(await page.textContent('#node-id')).toBe(n0.peerId)
    await waitFor('record count on the page', async () => Number((await page.textContent('#d-records'))?.replace(/,/g, '')) >= 20, { timeoutMs: 30_000 })
    const peerIds = await page.locator('#peers-body tr th').evaluateAll(ths => ths.map(th => th.getAttribute('title')))
    expect(peerIds.sort()).toEqual([lattice.nodes[1].peerId, lattice.nodes[2].peerId].sort())
    expect(await page.textContent('#peerless')).toBe(`${PEERLESS_TIMEOUT_S} seconds`)
    await screenshot(page, 'lattice-green')

    // Cut P2P on node 0: its dashboard turns yellow once auto mode fails over to HTTP sync.
    const cutAt = Date.now()
    await setP2P(n0, false)
    let seen: string | null = null
    await waitFor(() => `yellow after the P2P cut (the page says ${String(seen)})`, async () => (seen = await level()) === 'yellow', { timeoutMs: PEERLESS_TIMEOUT_S * 1000 + PAGE_REFRESH_MS + SLACK_MS, intervalMs: 100 })
    console.log(`dashboard yellow ${Date.now() - cutAt} ms after the P2P cut (peerless timeout ${PEERLESS_TIMEOUT_S} s, page refresh 5 s)`)
    expect(await page.textContent('#indicator-text')).toBe('Resilient (HTTP Fallback)')
    expect((await status(n0)).mode).toBe('HTTP')
    expect(await page.textContent('#d-peers')).toBe('0')
    await waitFor('failover marker on the chart', async () => (await page.locator('#chart .event-failover').count()) > 0, { timeoutMs: 30_000, intervalMs: 200 })
    await screenshot(page, 'lattice-yellow')

    // Restore P2P: peers come back, one P2P sync completes, green again.
    await setP2P(n0, true)
    await waitFor('green after restore', async () => (await level()) === 'green', { timeoutMs: 60_000, intervalMs: 100 })
    await waitFor('2 peers after restore', async () => (await page.textContent('#d-peers')) === '2', { timeoutMs: 60_000 })
    await waitFor('recovery marker on the chart', async () => (await page.locator('#chart .event-recovery').count()) > 0, { timeoutMs: 30_000, intervalMs: 200 })
    const tl = (await n0.api<Timeline>('/api/lattice/timeline', { auth: false })).body
    expect(tl.events.map(e => e.kind)).toEqual(expect.arrayContaining(['failover', 'recovery']))
    expect(tl.samples.length).toBeGreaterThan(0)
    await screenshot(page, 'lattice-recovered')
    expect(watch.errors).toEqual([])
  }, 240_000)

  it('switches the real node to HTTP Only with the token, and shows the 401 message without it', async () => {
    if (lattice === undefined || browser === undefined) throw new Error('no lattice')
    const n1 = lattice.nodes[1]
    // A fresh tab: no token in its session storage.
    const p = await (await browser.newContext({ viewport: { width: 1200, height: 1000 } })).newPage()
    const w = watchPage(p)
    w.expect(httpErrorLog(401, '/api/lattice/sync/switch'))
    await p.goto(`${n1.url}/`)
    await waitFor('node 1 green', async () => (await level(p)) === 'green', { timeoutMs: 30_000, intervalMs: 100 })

    await p.getByRole('button', { name: 'HTTP Only' }).click()
    await waitFor('401 message', async () => /Not authorised \(401\)/.test(await p.textContent('#control-msg') ?? ''), { timeoutMs: 15_000 })
    expect((await status(n1)).sync_mode).toBe('auto')
    await screenshot(p, 'lattice-switch-401')

    await p.getByLabel('API token').fill(lattice.token)
    await p.getByRole('button', { name: 'Use token' }).click()
    await waitFor('node 1 in http mode', async () => (await status(n1)).sync_mode === 'http', { timeoutMs: 15_000 })
    const s = await status(n1)
    expect(s.mode).toBe('HTTP')
    expect(s.http_sync_enabled).toBe(true)
    await waitFor('success message', async () => (await p.getAttribute('#control-msg', 'data-kind')) === 'ok', { timeoutMs: 15_000 })
    expect((await p.textContent('#control-msg'))?.length).toBeGreaterThan(0)
    expect(await p.getAttribute('button[data-mode="http"]', 'aria-pressed')).toBe('true')
    await waitFor('node 1 yellow in HTTP only', async () => (await level(p)) === 'yellow', { timeoutMs: 30_000, intervalMs: 100 })
    await screenshot(p, 'lattice-switch-http')

    // Back to auto from the keyboard, with the token kept for the session.
    await p.getByRole('button', { name: 'Auto (Recommended)' }).focus()
    await p.keyboard.press('Enter')
    await waitFor('node 1 back to auto', async () => (await status(n1)).sync_mode === 'auto', { timeoutMs: 15_000 })
    await waitFor('node 1 green in auto', async () => (await level(p)) === 'green', { timeoutMs: 60_000, intervalMs: 100 })
    expect(w.errors).toEqual([])
  }, 180_000)
})
