import { waitFor, type WaitOptions } from '../../packages/testkit/src/index.js'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ComponentStartError } from './errors.js'

/** A child process in its own process group, its output captured to a log file. */
export interface ManagedProcess {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>
  /** Whether the process has ended. */
  hasExited: () => boolean
  /** SIGTERM the group, SIGKILL it after graceMs, resolve when the leader has exited. */
  stop: (graceMs?: number) => Promise<void>
  /** The last `bytes` of the log file. */
  tail: (bytes?: number) => string
}

export interface SpawnInit {
  name: string
  command: string
  args: string[]
  logFile: string
  env?: NodeJS.ProcessEnv
  cwd?: string
}

/**
 * Keeps every process group it started in a file watched by a reaper process, and kills them all
 * on exit of this process, so nothing outlives a test run even when a test fails or jest kills
 * the worker.
 */
export class ProcessRegistry {
  private readonly pgids = new Set<number>()
  private readonly pgidFile: string
  private reaper: ChildProcess | undefined
  private readonly onExit = (): void => { this.killAllNow() }

  constructor (stateDir: string) {
    this.pgidFile = path.join(stateDir, 'pgids')
    fs.writeFileSync(this.pgidFile, '')
    process.on('exit', this.onExit)
    const reaperJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reaper.js')
    this.reaper = spawn(process.execPath, [reaperJs, String(process.pid), this.pgidFile], { detached: true, stdio: 'ignore' })
    this.reaper.unref()
  }

  spawn (init: SpawnInit): ManagedProcess {
    fs.mkdirSync(path.dirname(init.logFile), { recursive: true })
    const fd = fs.openSync(init.logFile, 'a')
    const child = spawn(init.command, init.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: init.env ?? process.env,
      cwd: init.cwd
    })
    fs.closeSync(fd)
    let exitedWith: number | string | undefined
    const exited = new Promise<number | string>(resolve => {
      child.once('exit', (code, signal) => {
        exitedWith = code ?? signal ?? 'unknown'
        resolve(exitedWith)
      })
      child.once('error', err => {
        fs.appendFileSync(init.logFile, `\nspawn error: ${err.message}\n`)
        exitedWith = 'spawn-error'
        resolve(exitedWith)
      })
    })
    const pid = child.pid ?? -1
    if (pid > 0) this.track(pid)
    const registry = this
    return {
      name: init.name,
      pid,
      logFile: init.logFile,
      exited,
      hasExited: () => exitedWith !== undefined,
      async stop (graceMs = 5000): Promise<void> {
        if (pid <= 0) return
        if (exitedWith === undefined) {
          try { process.kill(-pid, 'SIGTERM') } catch { /* gone */ }
          const timer = setTimeout(() => { try { process.kill(-pid, 'SIGKILL') } catch { /* gone */ } }, graceMs)
          await exited
          clearTimeout(timer)
        }
        // Children of the leader may linger in the group: make sure they are gone too.
        try { process.kill(-pid, 'SIGKILL') } catch { /* gone */ }
        registry.untrack(pid)
      },
      tail: (bytes = 4000) => tailFile(init.logFile, bytes)
    }
  }

  private track (pgid: number): void {
    this.pgids.add(pgid)
    this.writeFile()
  }

  private untrack (pgid: number): void {
    this.pgids.delete(pgid)
    this.writeFile()
  }

  private writeFile (): void {
    try { fs.writeFileSync(this.pgidFile, [...this.pgids].join('\n')) } catch { /* state dir removed */ }
  }

  /** SIGKILL every tracked group synchronously (the 'exit' hook). */
  killAllNow (): void {
    for (const pgid of this.pgids) {
      try { process.kill(-pgid, 'SIGKILL') } catch { /* gone */ }
    }
    this.pgids.clear()
  }

  /** Stop the reaper: call after every process was stopped. */
  close (): void {
    this.killAllNow()
    process.off('exit', this.onExit)
    try { fs.rmSync(this.pgidFile) } catch { /* ignore */ }
    if (this.reaper?.pid != null) {
      try { process.kill(this.reaper.pid, 'SIGTERM') } catch { /* gone */ }
    }
    this.reaper = undefined
  }
}

export function tailFile (file: string, bytes = 4000): string {
  try {
    const st = fs.statSync(file)
    const fd = fs.openSync(file, 'r')
    const len = Math.min(bytes, st.size)
    const buf = Buffer.alloc(len)
    fs.readSync(fd, buf, 0, len, st.size - len)
    fs.closeSync(fd)
    return buf.toString('utf8')
  } catch {
    return ''
  }
}

/**
 * Waits until `check` passes for a started component; its exit ends the wait at once (a check
 * that throws only counts as "not yet"). Either failure is a ComponentStartError with the log tail.
 */
export async function waitUntilUp (proc: ManagedProcess, what: string, check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  let state: 'up' | 'exited'
  try {
    state = await waitFor(what, async () => proc.hasExited() ? 'exited' : ((await check()) ? 'up' : false), opts)
  } catch (err) {
    throw new ComponentStartError(proc.name, `${(err as Error).message}\n${proc.tail(3000)}`, proc.logFile)
  }
  if (state === 'exited') throw new ComponentStartError(proc.name, `exited early with ${String(await proc.exited)}: ${proc.tail(3000)}`, proc.logFile)
}
