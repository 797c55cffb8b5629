// Pure presentation logic: what the page says about a status. No DOM, no clock of its own.
import type { P2PStatus, PeerStatus, SyncModeSetting } from '../../../../packages/contracts/src/node-api.js'

export type Level = 'loading' | 'green' | 'yellow' | 'red' | 'stale'

export interface Verdict {
  level: Level
  text: string
}

/** The seed's three states: resilient over P2P, resilient over the HTTP fallback, or degraded. */
export function classify (status: P2PStatus | undefined): Verdict {
  if (status === undefined) return { level: 'loading', text: 'Loading…' }
  if (status.mode === 'P2P' && status.has_peers) return { level: 'green', text: 'Resilient (P2P Mode)' }
  if (status.mode === 'HTTP') return { level: 'yellow', text: 'Resilient (HTTP Fallback)' }
  return { level: 'red', text: 'Degraded (No Peers)' }
}

export function staleVerdict (lastAnswerAt: number | undefined): Verdict {
  const since = lastAnswerAt === undefined ? 'it was opened' : clockTime(lastAnswerAt)
  return { level: 'stale', text: `Stale: the node has not answered since ${since}` }
}

/** A hash shortened for display; the full value stays in the title and the copy button. */
export function shortHash (hash: string | null | undefined, head = 12, tail = 4): string {
  if (hash === null || hash === undefined || hash === '') return '—'
  if (hash.length <= head + tail + 1) return hash
  return `${hash.slice(0, head)}…${hash.slice(-tail)}`
}

export function clockTime (ms: number): string {
  const d = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** "12 s ago", "3 min ago"; never negative (a node clock slightly ahead of the browser's). */
export function ago (ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000))
  if (s < 60) return `${s} s ago`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ago`
  return `${Math.floor(m / 60)} h ${m % 60} min ago`
}

export function timeAndAgo (iso: string | null, now: number): string {
  if (iso === null) return 'never'
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return iso
  return `${clockTime(ms)} (${ago(ms, now)})`
}

/** A peer's address without its `/p2p/<peer id>` tail: the table shows the peer ID beside it. */
export function shortAddr (addr: string | undefined): string {
  if (addr === undefined || addr === '') return '—'
  return addr.replace(/\/p2p\/[^/]+$/, '')
}

export function latency (ms: number | null): string {
  if (ms === null) return '—'
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`
}

export function rootMatch (peer: PeerStatus): { text: string, cls: 'match' | 'differs' | 'unknown' } {
  if (peer.in_sync === true) return { text: 'Matches', cls: 'match' }
  if (peer.in_sync === false) return { text: 'Differs', cls: 'differs' }
  return { text: 'Unknown', cls: 'unknown' }
}

export function modeLabel (mode: SyncModeSetting): string {
  switch (mode) {
    case 'p2p': return 'P2P only'
    case 'http': return 'HTTP only'
    case 'auto': return 'Auto'
  }
}

export function durationText (ms: number): string {
  if (ms % 60_000 === 0 && ms >= 120_000) return `${ms / 60_000} minutes`
  const s = Math.round(ms / 1000)
  return s === 1 ? '1 second' : `${s} seconds`
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above v (at least `min`): readable axis steps. */
export function niceMax (v: number, min = 1): number {
  const target = Math.max(v, min)
  const exp = Math.pow(10, Math.floor(Math.log10(target)))
  for (const f of [1, 2, 2.5, 5, 10]) {
    if (f * exp >= target) return f * exp
  }
  return 10 * exp
}
