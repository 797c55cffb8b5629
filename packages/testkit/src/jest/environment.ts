/**
 * The jest test environment of every suite (jest.config.js `testEnvironment`): Node's, plus failure
 * dumps that no test has to ask for. When a test or hook fails, every dump source the suite
 * registered (the namespace's objects and events, operator and node logs, data dir listings; see
 * artifacts.ts) is written to a directory under LATTICE_FAILURE_DIR (default
 * <tmp>/lattice-failures) and appended, shortened, to the failure message with that path; the
 * suite's directories in use at that moment are kept and listed. At the end of the suite the
 * directories no failure kept are removed.
 *
 * Jest awaits an async handleTestEvent before the next event, so the dump is taken while the
 * failed test's processes and namespace still exist (afterEach/afterAll have not run yet). An error
 * thrown from here would fail the whole suite, so every step catches its own.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment'
import type { Circus } from '@jest/types'
import type { TestEnvironment as NodeEnvironmentClass } from 'jest-environment-node'
import { REGISTRY_KEY, type DumpSource, type FailureRegistry } from './registry.js'

// Jest loads this file with Node's own import, and the compiled kit may sit outside the work tree
// (LATTICE_DIST): resolve jest's Node environment from the project jest runs in, not from this file.
const { TestEnvironment: NodeEnvironment } = createRequire(path.join(process.cwd(), 'package.json'))('jest-environment-node') as { TestEnvironment: typeof NodeEnvironmentClass }

/** How much of each dump goes into the failure message, from its start and its end (the whole text is in the dump directory). */
const MESSAGE_HEAD_CHARS = 2500
const MESSAGE_TAIL_CHARS = 5000
const DUMP_TIMEOUT_MS = 60_000

interface Registered { source: DumpSource, since: number }
interface SuiteDir { kept: boolean, released: boolean }

export default class LatticeTestEnvironment extends NodeEnvironment {
  private readonly testPath: string
  private readonly sources = new Set<Registered>()
  private readonly dirs = new Map<string, SuiteDir>()
  /** When the current test (or, before the first, the suite) started: sources registered since are its own. */
  private currentSince = 0
  private failures = 0

  constructor (config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context)
    this.testPath = context.testPath
    const registry: FailureRegistry = {
      addDump: source => {
        const entry = { source, since: Date.now() }
        this.sources.add(entry)
        return () => { this.sources.delete(entry) }
      },
      addDir: dir => { if (!this.dirs.has(dir)) this.dirs.set(dir, { kept: false, released: false }) },
      releaseDir: dir => { const d = this.dirs.get(dir); if (d !== undefined) d.released = true; else this.dirs.set(dir, { kept: false, released: true }) }
    }
    this.global[REGISTRY_KEY] = registry
  }

  async handleTestEvent (event: Circus.Event): Promise<void> {
    if (event.name === 'test_start') this.currentSince = Date.now()
    if (event.name === 'test_fn_failure') await this.onFailure(testTitle(event.test), event.error)
    if (event.name === 'hook_failure') await this.onFailure(`${event.hook.type} of ${event.test !== undefined ? testTitle(event.test) : blockTitle(event.hook.parent)}`, event.error)
  }

  override async teardown (): Promise<void> {
    for (const [dir, state] of this.dirs) {
      try {
        if (state.kept) process.stderr.write(`[testkit] kept ${dir} (a test failed while it was in use)\n`)
        else rmSync(dir, { recursive: true, force: true })
      } catch (err) {
        process.stderr.write(`[testkit] could not remove ${dir}: ${(err as Error).message}\n`)
      }
    }
    await super.teardown()
  }

  private async onFailure (title: string, error: unknown): Promise<void> {
    try {
      this.failures++
      const root = process.env.LATTICE_FAILURE_DIR ?? path.join(os.tmpdir(), 'lattice-failures')
      const dumpDir = path.join(root, `${slug(path.basename(this.testPath, '.js'))}-${this.failures}-${slug(title).slice(0, 60)}-${Date.now()}`)
      mkdirSync(dumpDir, { recursive: true })
      const parts: string[] = []
      const sources = [...this.sources].filter(r => r.since >= this.currentSince || (r.source.live?.() ?? true))
      for (const [i, { source }] of sources.entries()) {
        const text = await dumpOf(source)
        writeFileSync(path.join(dumpDir, `${String(i).padStart(2, '0')}-${slug(source.name)}.txt`), text)
        parts.push(`--- ${source.name}\n${shorten(text)}`)
      }
      const kept = [...this.dirs].filter(([, d]) => !d.released)
      for (const [, d] of kept) d.kept = true
      const keptList = kept.map(([dir]) => `  ${dir}`).join('\n')
      writeFileSync(path.join(dumpDir, 'kept-directories.txt'), keptList + '\n')
      const header = `=== failure dump of "${title}": ${dumpDir}` + (kept.length > 0 ? `\nkept directories (removed only when every test using them passed):\n${keptList}` : '')
      process.stderr.write(`[testkit] ${header.split('\n')[0] ?? ''}\n`)
      appendToError(error, `\n\n${header}\n${parts.join('\n')}`)
    } catch (err) {
      process.stderr.write(`[testkit] failure dump failed: ${(err as Error).stack ?? String(err)}\n`)
    }
  }
}

function shorten (text: string): string {
  if (text.length <= MESSAGE_HEAD_CHARS + MESSAGE_TAIL_CHARS) return text
  return `${text.slice(0, MESSAGE_HEAD_CHARS)}\n(… ${text.length - MESSAGE_HEAD_CHARS - MESSAGE_TAIL_CHARS} characters: see the dump directory)\n${text.slice(-MESSAGE_TAIL_CHARS)}`
}

async function dumpOf (source: DumpSource): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      Promise.resolve().then(source.dump),
      new Promise<string>(resolve => { timer = setTimeout(() => { resolve(`(dump timed out after ${DUMP_TIMEOUT_MS} ms)`) }, DUMP_TIMEOUT_MS) })
    ])
  } catch (err) {
    return `(dump failed: ${(err as Error).message})`
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Jest prints a failure from the error's stack when the stack contains the message (else message
 * and stack): put the dump after the message inside the stack, or after the message when there is
 * no such stack, so it is printed once.
 */
function appendToError (error: unknown, text: string): void {
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string') return
  const e = error as Error
  if (typeof e.stack === 'string' && e.message !== '' && e.stack.includes(e.message)) e.stack = e.stack.replace(e.message, e.message + text)
  else e.message += text
}

function testTitle (test: Circus.TestEntry): string {
  return `${blockTitle(test.parent)} ${test.name}`.trim()
}

function blockTitle (block: Circus.DescribeBlock | undefined): string {
  const names: string[] = []
  for (let b = block; b !== undefined && b.parent !== undefined; b = b.parent) names.unshift(b.name)
  return names.join(' ')
}

function slug (s: string): string {
  return s.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^-+|-+$/g, '')
}
