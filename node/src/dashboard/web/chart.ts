// The 15-minute timeline as an inline SVG: peer count (step line, left axis), records per second
// (area, right axis), the effective mode as a band under the plot, and failover / recovery / manual
// switch markers. Colours come from style.css classes so the dark scheme applies; every series also
// has a text form (the summary and the event list) so colour is never the only carrier.
import type { EffectiveMode, Timeline, TimelineEvent } from '../../../../packages/contracts/src/node-api.js'
import { clockTime, niceMax } from './view.js'

const SVG = 'http://www.w3.org/2000/svg'
const W = 760
const H = 250
const PLOT = { left: 44, right: 716, top: 22, bottom: 180 }
const BAND = { top: 188, height: 14 }
const AXIS_Y = 222

type Attrs = Record<string, string | number>

function el<K extends keyof SVGElementTagNameMap> (name: K, attrs: Attrs = {}, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  if (text !== undefined) node.textContent = text
  return node
}

export interface ChartSummary {
  text: string
  events: TimelineEvent[]
}

function eventLabel (e: TimelineEvent): string {
  switch (e.kind) {
    case 'failover': return 'failover'
    case 'recovery': return 'recovery'
    case 'mode_switch': return `switch → ${e.to}`
  }
}

export function describeEvent (e: TimelineEvent): string {
  switch (e.kind) {
    case 'failover': return `${clockTime(e.t)} failover: ${e.from} → ${e.to}`
    case 'recovery': return `${clockTime(e.t)} recovery: ${e.from} → ${e.to}`
    case 'mode_switch': return `${clockTime(e.t)} mode switched by hand: ${e.from} → ${e.to}`
  }
}

export function summarize (tl: Timeline): string {
  const s = tl.samples
  if (s.length === 0) return 'No samples yet.'
  const peers = s.map(x => x.peer_count)
  const last = s[s.length - 1]
  const count = (k: TimelineEvent['kind']): number => tl.events.filter(e => e.kind === k).length
  const minutes = Math.round(Math.min(tl.window_ms, tl.now - s[0].t) / 60_000)
  const span = minutes <= 1 ? 'the last minute' : `the last ${minutes} minutes`
  return `Over ${span}: peers now ${last.peer_count} (min ${Math.min(...peers)}, max ${Math.max(...peers)}); ` +
    `mode now ${last.mode}; ${count('failover')} failover(s), ${count('recovery')} recovery(ies), ` +
    `${count('mode_switch')} manual switch(es); ${last.records_per_second} records/s now.`
}

const MODE_CLASS: Record<EffectiveMode, string> = { P2P: 'band-p2p', HTTP: 'band-http', NONE: 'band-none' }

/** Replaces the content of `svg` with the chart of `tl`. */
export function renderChart (svg: SVGSVGElement, tl: Timeline): void {
  svg.replaceChildren()
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`)
  const t0 = tl.now - tl.window_ms
  const x = (t: number): number => PLOT.left + (Math.max(t0, Math.min(tl.now, t)) - t0) / tl.window_ms * (PLOT.right - PLOT.left)
  const samples = tl.samples.filter(s => s.t >= t0)

  // A multiple of 4 so every one of the 4 grid lines is a whole number of peers.
  const peerMax = Math.max(4, Math.ceil(Math.max(0, ...samples.map(s => s.peer_count)) / 4) * 4)
  // Four grid steps of a readable size (0.25, 0.5, 1, 2, 2.5, 5, …).
  const rateMax = 4 * niceMax(Math.max(0, ...samples.map(s => s.records_per_second)) / 4, 0.25)
  const yPeers = (v: number): number => PLOT.bottom - v / peerMax * (PLOT.bottom - PLOT.top)
  const yRate = (v: number): number => PLOT.bottom - v / rateMax * (PLOT.bottom - PLOT.top)

  // Grid and axes.
  const grid = el('g', { class: 'grid' })
  for (let i = 0; i <= 4; i++) {
    const y = PLOT.top + i * (PLOT.bottom - PLOT.top) / 4
    grid.append(el('line', { x1: PLOT.left, x2: PLOT.right, y1: y, y2: y }))
    // Peers are whole: no "1.5 peers" tick label.
    const peers = peerMax * (4 - i) / 4
    if (Number.isInteger(peers)) grid.append(el('text', { x: PLOT.left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis-peers' }, String(peers)))
    grid.append(el('text', { x: PLOT.right + 6, y: y + 4, 'text-anchor': 'start', class: 'axis-rate' }, fmt(rateMax * (4 - i) / 4)))
  }
  for (let m = 0; m <= tl.window_ms / 60_000; m += 5) {
    const t = tl.now - m * 60_000
    grid.append(el('line', { x1: x(t), x2: x(t), y1: PLOT.top, y2: BAND.top + BAND.height, class: 'vgrid' }))
    grid.append(el('text', { x: x(t), y: AXIS_Y, 'text-anchor': 'middle' }, m === 0 ? 'now' : `−${m} min`))
  }
  grid.append(el('text', { x: PLOT.left - 6, y: 12, 'text-anchor': 'end', class: 'axis-peers' }, 'peers'))
  grid.append(el('text', { x: PLOT.right + 6, y: 12, 'text-anchor': 'start', class: 'axis-rate' }, 'rec/s'))
  svg.append(grid)

  if (samples.length > 0) {
    // Mode band: each sample's mode holds until the next sample (or now).
    const band = el('g', { class: 'band' })
    samples.forEach((s, i) => {
      const x1 = x(s.t)
      const x2 = x(i + 1 < samples.length ? samples[i + 1].t : tl.now)
      band.append(el('rect', { x: x1, y: BAND.top, width: Math.max(1, x2 - x1), height: BAND.height, class: MODE_CLASS[s.mode] }))
    })
    svg.append(band)

    // Records per second: filled area.
    const ratePts = samples.map(s => `${x(s.t).toFixed(1)},${yRate(s.records_per_second).toFixed(1)}`)
    const first = samples[0]
    const last = samples[samples.length - 1]
    svg.append(el('polygon', {
      class: 'series-rate',
      points: `${x(first.t).toFixed(1)},${PLOT.bottom} ${ratePts.join(' ')} ${x(last.t).toFixed(1)},${PLOT.bottom}`
    }))

    // Peer count: step line, the count holds until the next sample.
    let d = `M${x(first.t).toFixed(1)},${yPeers(first.peer_count).toFixed(1)}`
    for (let i = 1; i < samples.length; i++) {
      d += ` H${x(samples[i].t).toFixed(1)} V${yPeers(samples[i].peer_count).toFixed(1)}`
    }
    d += ` H${x(tl.now).toFixed(1)}`
    svg.append(el('path', { class: 'series-peers', d }))
  }

  // Event markers, labels staggered so close events stay readable.
  const marks = el('g', { class: 'events' })
  tl.events.filter(e => e.t >= t0).forEach((e, i) => {
    const ex = x(e.t)
    const g = el('g', { class: `event event-${e.kind}` })
    g.append(el('line', { x1: ex, x2: ex, y1: PLOT.top, y2: BAND.top + BAND.height }))
    // Labels near "now" go left of their line so they stay inside the plot.
    const leftward = ex > PLOT.right - 90
    g.append(el('text', { x: leftward ? ex - 4 : ex + 4, y: PLOT.top + 10 + (i % 3) * 12, 'text-anchor': leftward ? 'end' : 'start' }, eventLabel(e)))
    g.append(el('title', {}, describeEvent(e)))
    marks.append(g)
  })
  svg.append(marks)
}

function fmt (v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(2)))
}
