/**
 * The README's first command (`make run`) works: the demo brings up the control plane, the operator
 * and a three-node network, reports it ready, and stops everything on Ctrl-C.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

const DEMO = fileURLToPath(new URL('./operator-demo.js', import.meta.url))

describe('make run (operator demo)', () => {
  it('brings up a 3/3 ready network with one Merkle root and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [DEMO], { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() })
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { out += c.toString() })
    const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
    try {
      await waitFor(() => `the demo to report the network up:\n${out}`, () => out.includes('The network is up') || child.exitCode !== null, { timeoutMs: 240000, intervalMs: 500 })
      expect(out).toContain('The network is up')
      const rows = out.split('\n').filter(l => /^latticenode\.lattice\.diotec360\.com\/aethel-\d/.test(l))
      expect(rows).toHaveLength(3)
      const roots = new Set(rows.map(r => r.trim().split(/\s+/)[5]))
      expect(roots.size).toBe(1)
      for (const row of rows) expect(row).toMatch(/\s+true\s+2\s+P2P\s+/)
      expect(out.match(/http:\/\/127\.\d+\.\d+\.\d+:8080\//g)).toHaveLength(3)
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
  }, 300000)
})
