import { waitFor } from '../../packages/testkit/src/index.js'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { fileURLToPath } from 'node:url'
import { ProcessRegistry } from './process.js'
import { isAlive } from './pid.js'

const dirs: string[] = []
function tmp (): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-proc-'))
  dirs.push(d)
  return d
}

afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }) })

describe('ProcessRegistry', () => {
  it('stops a process group (leader and its children) with SIGTERM then SIGKILL', async () => {
    const dir = tmp()
    const reg = new ProcessRegistry(dir)
    try {
      // A shell that ignores SIGTERM and has a child: only SIGKILL of the group ends both.
      const p = reg.spawn({ name: 'stubborn', command: 'sh', args: ['-c', 'trap "" TERM; sleep 300 & echo child $!; wait'], logFile: path.join(dir, 'stubborn.log') })
      const childPid = await waitFor('child pid logged', () => {
        const m = /child (\d+)/.exec(p.tail())
        return m != null ? Number(m[1]) : undefined
      }, { timeoutMs: 10_000 })
      expect(isAlive(p.pid)).toBe(true)
      expect(isAlive(childPid)).toBe(true)
      await p.stop(300)
      expect(p.hasExited()).toBe(true)
      await waitFor('child gone', () => !isAlive(childPid), { timeoutMs: 10_000 })
    } finally {
      reg.close()
    }
  })

  it('a reaper kills the groups of a parent that died without cleaning up', async () => {
    const dir = tmp()
    // A parent process that registers a long sleeper, prints its pid, then is SIGKILLed.
    const registryJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'process.js')
    const script = `import { ProcessRegistry } from ${JSON.stringify(registryJs)}
const reg = new ProcessRegistry(${JSON.stringify(dir)})
const p = reg.spawn({ name: 'sleeper', command: 'sleep', args: ['300'], logFile: ${JSON.stringify(path.join(dir, 'sleeper.log'))} })
console.log(p.pid)
setInterval(() => {}, 1000)`
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    parent.stdout.on('data', (b: Buffer) => { out += b.toString() })
    const sleeper = await waitFor('sleeper pid', () => /^\d+\n/.test(out) ? Number(out.trim()) : undefined, { timeoutMs: 20_000 })
    expect(isAlive(sleeper)).toBe(true)
    parent.kill('SIGKILL')
    await waitFor('sleeper reaped after its parent died', () => !isAlive(sleeper), { timeoutMs: 20_000, intervalMs: 100 })
    expect(fs.existsSync(path.join(dir, 'pgids'))).toBe(false)
  }, 60_000)
})
