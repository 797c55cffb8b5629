/**
 * Real Chromium (Debian's package) driven by playwright-core, for the dashboard's browser tests.
 * test/dashboard/install-chromium.sh installs it; playwright's own browser download needs outside
 * network.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser, ConsoleMessage, Page } from 'playwright-core'

export const CHROMIUM_PATH = process.env.LATTICE_CHROMIUM ?? '/usr/bin/chromium'

/** Screenshots of each state: artifacts, not committed (artifacts/ is gitignored). */
export const ARTIFACTS_DIR = path.resolve(process.env.LATTICE_ARTIFACTS ?? 'artifacts', 'dashboard')

export async function launchChromium (): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: run test/dashboard/install-chromium.sh`)
  }
  // No outside network here: these flags stop Chromium's own background fetches, whose refused
  // connections would otherwise show up as noise.
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  })
}

export interface PageWatch {
  /** Console errors and uncaught exceptions, except those the test declared expected. */
  readonly errors: string[]
  /** Every URL the page requested. */
  readonly requests: string[]
  /** Declare console errors that a step provokes on purpose (e.g. the browser's log of a 401). */
  expect (match: (msg: ConsoleMessage) => boolean): void
}

export function watchPage (page: Page): PageWatch {
  const expected: Array<(msg: ConsoleMessage) => boolean> = []
  const watch: PageWatch = {
    errors: [],
    requests: [],
    expect (match) { expected.push(match) }
  }
  page.on('console', msg => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return
    if (expected.some(m => m(msg))) return
    watch.errors.push(`console.${msg.type()}: ${msg.text()} (${msg.location().url})`)
  })
  page.on('pageerror', err => { watch.errors.push(`pageerror: ${err.name}: ${err.message}`) })
  page.on('request', req => { watch.requests.push(req.url()) })
  return watch
}

export async function screenshot (page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true })
  const file = path.join(ARTIFACTS_DIR, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** The browser's own log line for a response with this status from a URL containing `urlPart`. */
export function httpErrorLog (status: number, urlPart: string): (msg: ConsoleMessage) => boolean {
  return msg => msg.type() === 'error' &&
    msg.text().includes(`status of ${status}`) &&
    msg.location().url.includes(urlPart)
}
