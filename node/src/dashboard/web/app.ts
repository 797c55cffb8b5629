// The dashboard page: polls the node's status and timeline every 5 s, renders the verdict, details,
// peers and chart, and drives the sync mode control. Plain DOM, no framework (see docs/dashboard.md).
import { ApiError, NoAnswerError, fetchStatus, fetchTimeline, switchMode } from './api.js'
import { describeEvent, renderChart, summarize } from './chart.js'
import {
  classify, clockTime, durationText, latency, modeLabel, rootMatch, shortAddr, shortHash, staleVerdict, timeAndAgo
} from './view.js'
import type { Verdict } from './view.js'
import type { P2PStatus, SyncModeSetting, Timeline } from '../../../../packages/contracts/src/node-api.js'

const REFRESH_MS = 5_000
/** Under the refresh interval so one hung request cannot hold the next refresh back. */
const REQUEST_TIMEOUT_MS = 4_000
const SWITCH_TIMEOUT_MS = 10_000
const TOKEN_KEY = 'lattice.dashboard.apiToken'

function byId<T extends HTMLElement | SVGElement = HTMLElement> (id: string): T {
  const node = document.getElementById(id)
  if (node === null) throw new Error(`dashboard markup lacks #${id}`)
  return node as unknown as T
}

/** sessionStorage can be unavailable (privacy settings): the page then asks again after a reload. */
const tokenStore = {
  get (): string | undefined {
    try { return sessionStorage.getItem(TOKEN_KEY) ?? undefined } catch { return undefined }
  },
  set (token: string): void {
    try { sessionStorage.setItem(TOKEN_KEY, token) } catch { /* kept for this page only */ }
  },
  clear (): void {
    try { sessionStorage.removeItem(TOKEN_KEY) } catch { /* nothing kept */ }
  }
}

class DashboardPage {
  private status: P2PStatus | undefined
  private lastAnswerAt: number | undefined
  private stale = false
  private announced = ''
  private pendingMode: SyncModeSetting | undefined
  private switching = false
  private memoryToken: string | undefined

  private readonly indicator = byId('indicator')
  private readonly indicatorText = byId('indicator-text')
  private readonly live = byId('live')
  private readonly modeButtons = [...document.querySelectorAll<HTMLButtonElement>('button[data-mode]')]
  private readonly tokenForm = byId<HTMLFormElement>('token-form')
  private readonly tokenInput = byId<HTMLInputElement>('token')
  private readonly tokenSaved = byId('token-saved')
  private readonly controlMsg = byId('control-msg')
  private readonly copyButton = byId<HTMLButtonElement>('copy-root')
  private readonly copyMsg = byId('copy-msg')

  start (): void {
    for (const b of this.modeButtons) {
      b.addEventListener('click', () => { void this.requestSwitch(b.dataset.mode as SyncModeSetting) })
    }
    this.tokenForm.addEventListener('submit', (ev) => {
      ev.preventDefault()
      const token = this.tokenInput.value.trim()
      if (token === '') return
      this.keepToken(token)
      if (this.pendingMode !== undefined) void this.requestSwitch(this.pendingMode)
    })
    byId('forget-token').addEventListener('click', () => {
      tokenStore.clear()
      this.memoryToken = undefined
      this.showTokenForm(false)
      this.message('API token forgotten.', 'info')
    })
    this.copyButton.addEventListener('click', () => { void this.copyRoot() })
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void this.refreshAll()
    })
    this.showTokenForm(this.token() === undefined)
    void this.loop()
  }

  private async loop (): Promise<void> {
    await this.refreshAll()
    setTimeout(() => { void this.loop() }, REFRESH_MS)
  }

  private async refreshAll (): Promise<void> {
    await Promise.all([this.refreshStatus(), this.refreshTimeline()])
  }

  private async refreshStatus (): Promise<void> {
    try {
      this.status = await fetchStatus(REQUEST_TIMEOUT_MS)
      this.lastAnswerAt = Date.now()
      this.stale = false
    } catch (err) {
      // Any failed status read means what is on screen may no longer be true: say so.
      this.stale = true
      this.reportRefreshError(err)
    }
    this.renderStatus()
  }

  private async refreshTimeline (): Promise<void> {
    try {
      this.renderTimeline(await fetchTimeline(REQUEST_TIMEOUT_MS))
    } catch (err) {
      // The status read reports an unreachable node; a failing timeline alone only dims the chart.
      byId('chart-summary').textContent = `Timeline unavailable (${err instanceof Error ? err.message : String(err)}).`
    }
  }

  private reportRefreshError (err: unknown): void {
    const reason = err instanceof ApiError
      ? `error ${err.status}: ${err.message}`
      : err instanceof NoAnswerError ? 'no answer' : String(err)
    this.indicator.title = `Last refresh failed (${reason})`
  }

  private renderStatus (): void {
    const s = this.status
    const verdict: Verdict = this.stale ? staleVerdict(this.lastAnswerAt) : classify(s)
    this.indicator.dataset.level = verdict.level
    this.indicatorText.textContent = verdict.text
    if (!this.stale) this.indicator.removeAttribute('title')
    if (verdict.text !== this.announced && !(this.stale && this.announced.startsWith('Stale'))) {
      this.live.textContent = verdict.text
      this.announced = verdict.text
    }
    for (const card of document.querySelectorAll('.status-card, .peers-card')) {
      card.classList.toggle('is-stale', this.stale)
    }
    if (s === undefined) return

    const now = Date.now()
    byId('node-id').textContent = s.peer_id
    byId('d-mode').textContent = s.mode
    byId('d-sync-mode').textContent = modeLabel(s.sync_mode)
    byId('d-peers').textContent = String(s.peer_count)
    byId('d-heartbeat').textContent = s.heartbeat_active ? 'Active' : 'Inactive'
    byId('d-http').textContent = s.http_sync_enabled ? 'Enabled' : 'Disabled'
    byId('d-last-sync').textContent = timeAndAgo(s.last_sync, now)
    byId('d-records').textContent = s.record_count.toLocaleString('en')
    const root = byId('d-root')
    root.textContent = shortHash(s.merkle_root)
    root.title = s.merkle_root
    this.copyButton.disabled = s.merkle_root === ''
    byId('updated').textContent = this.lastAnswerAt === undefined ? 'never' : clockTime(this.lastAnswerAt)

    if (!this.switching) this.setPressed(s.sync_mode)
    this.renderPeers(s, now)
  }

  private renderPeers (s: P2PStatus, now: number): void {
    const body = byId('peers-body')
    const rows: HTMLTableRowElement[] = []
    const cell = (text: string, title?: string, cls?: string): HTMLTableCellElement => {
      const td = document.createElement('td')
      td.textContent = text
      if (title !== undefined) td.title = title
      if (cls !== undefined) td.className = cls
      return td
    }
    for (const p of s.peers) {
      const tr = document.createElement('tr')
      const match = rootMatch(p)
      const idCell = document.createElement('th')
      idCell.scope = 'row'
      idCell.textContent = shortHash(p.peer_id, 10, 6)
      idCell.title = p.peer_id
      tr.append(
        idCell,
        cell(shortAddr(p.addrs[0]), p.addrs.join('\n')),
        cell(latency(p.latency_ms)),
        cell(timeAndAgo(p.last_heartbeat, now)),
        cell(shortHash(p.merkle_root), p.merkle_root ?? undefined, 'mono'),
        cell(match.text, undefined, `root-${match.cls}`)
      )
      rows.push(tr)
    }
    if (rows.length === 0) {
      const tr = document.createElement('tr')
      tr.className = 'empty'
      const td = cell('No connected peers.')
      td.colSpan = 6
      tr.append(td)
      rows.push(tr)
    }
    body.replaceChildren(...rows)
  }

  private renderTimeline (tl: Timeline): void {
    renderChart(byId<SVGSVGElement>('chart'), tl)
    byId('chart-summary').textContent = summarize(tl)
    byId('event-count').textContent = String(tl.events.length)
    const items = [...tl.events].reverse().map(e => {
      const li = document.createElement('li')
      li.textContent = describeEvent(e)
      li.className = `event-${e.kind}`
      return li
    })
    byId('event-list').replaceChildren(...items)
    if (tl.peerless_timeout_ms !== null) byId('peerless').textContent = durationText(tl.peerless_timeout_ms)
  }

  private setPressed (mode: SyncModeSetting): void {
    for (const b of this.modeButtons) b.setAttribute('aria-pressed', String(b.dataset.mode === mode))
  }

  private token (): string | undefined {
    return this.memoryToken ?? tokenStore.get()
  }

  private keepToken (token: string): void {
    this.memoryToken = token
    tokenStore.set(token)
    this.tokenInput.value = ''
    this.showTokenForm(false)
  }

  private showTokenForm (show: boolean): void {
    this.tokenForm.hidden = !show
    this.tokenSaved.hidden = show
  }

  private message (text: string, kind: 'ok' | 'error' | 'info'): void {
    this.controlMsg.textContent = text
    this.controlMsg.dataset.kind = kind
  }

  private async requestSwitch (mode: SyncModeSetting): Promise<void> {
    if (this.switching) return
    // A token typed but not yet confirmed counts: the click is the confirmation.
    const typed = this.tokenInput.value.trim()
    if (typed !== '') this.keepToken(typed)
    this.switching = true
    this.pendingMode = undefined
    const group = this.modeButtons[0]?.parentElement
    group?.setAttribute('aria-busy', 'true')
    this.message(`Switching to ${modeLabel(mode)}…`, 'info')
    try {
      const result = await switchMode(mode, this.token(), SWITCH_TIMEOUT_MS)
      this.message(result.message, result.success ? 'ok' : 'error')
      if (result.success) this.setPressed(result.mode)
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        // Wrong or missing token: forget it and ask, then retry this switch when one is given.
        tokenStore.clear()
        this.memoryToken = undefined
        this.pendingMode = mode
        this.showTokenForm(true)
        this.message(`Not authorised (401): ${err.message}. Enter the node's API token to switch to ${modeLabel(mode)}.`, 'error')
        this.tokenInput.focus()
      } else if (err instanceof ApiError) {
        this.message(`The node refused (${err.status}): ${err.message}`, 'error')
      } else {
        this.message(`The node did not answer: ${err instanceof Error ? err.message : String(err)}`, 'error')
      }
    } finally {
      this.switching = false
      group?.removeAttribute('aria-busy')
    }
    await this.refreshStatus()
  }

  private async copyRoot (): Promise<void> {
    const root = this.status?.merkle_root ?? ''
    if (root === '') return
    let ok = false
    try {
      if (window.isSecureContext && navigator.clipboard !== undefined) {
        await navigator.clipboard.writeText(root)
        ok = true
      }
    } catch { /* fall back below */ }
    if (!ok) {
      // Plain-HTTP pages (a node reached by IP) have no async clipboard: copy through a selection.
      const ta = document.createElement('textarea')
      ta.value = root
      ta.readOnly = true
      ta.className = 'offscreen'
      document.body.append(ta)
      ta.select()
      try { ok = document.execCommand('copy') } catch { ok = false }
      ta.remove()
    }
    this.copyMsg.textContent = ok ? 'Copied.' : 'Copy failed: the full root is in the tooltip.'
  }
}

new DashboardPage().start()
