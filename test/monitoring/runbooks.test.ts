// The runbooks' curl commands, run as written against real lattice-node processes: every command must
// succeed (HTTP errors fail), and the fields a command's `# fields:` comment names (and the values of an
// `# expect:` comment) must be in its JSON answer. So the runbooks cannot drift from the node's API.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startNodeProcess, type NodeProcess } from '../../packages/testkit/src/node/index.js'
import { repoRoot } from './repo-root.js'

const RUNBOOKS = join(repoRoot(), 'docs/runbooks')
/** The runbooks' second node (port-forwarded to 18081) and the operator (18090, not a node). */
const SECOND_NODE = 'http://127.0.0.1:18081'
const OPERATOR = 'http://127.0.0.1:18090'

interface Command { line: string, run: string, fields: string[], expect: Array<[string, string]> }

/** curl lines of the runbook's shell blocks that talk to a node. */
export function curlCommands (markdown: string): Command[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map(m => m[1] ?? '')
  return blocks.flatMap(b => b.split('\n'))
    .map(l => l.trim())
    .filter(l => l.startsWith('curl ') && !l.includes(OPERATOR))
    .map(line => {
      const m = /^(.*?)\s+#\s*(fields|expect):\s*(.*)$/.exec(line)
      const run = m?.[1] ?? line
      const list = (m?.[3] ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
      return {
        line,
        run,
        fields: m?.[2] === 'fields' ? list : [],
        expect: m?.[2] === 'expect' ? list.map(e => e.split('=') as [string, string]) : []
      }
    })
}

function at (obj: unknown, path: string): unknown {
  let cur = obj
  for (const k of path.split('.')) cur = cur != null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined
  return cur
}

describe('runbook curl commands against real lattice-node processes', () => {
  let tmp = ''
  const nodes: NodeProcess[] = []

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lattice-runbooks-'))
    for (const name of ['a', 'b']) nodes.push(await startNodeProcess({ dataDir: join(tmp, name) }))
  }, 90_000)

  afterAll(async () => {
    for (const n of nodes) await n.stop()
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true })
  }, 30_000)

  const files = readdirSync(RUNBOOKS).filter(f => f.startsWith('Lattice') && f.endsWith('.md'))

  it('the runbooks give curl commands for the node API', () => {
    const all = files.flatMap(f => curlCommands(readFileSync(join(RUNBOOKS, f), 'utf8')))
    expect(all.length).toBeGreaterThanOrEqual(10)
    for (const path of ['/api/lattice/p2p/status', '/api/lattice/state', '/api/lattice/health', '/api/lattice/sync/switch?mode=http']) {
      expect(all.some(c => c.run.includes(path))).toBe(true)
    }
  })

  it.each(files)('%s', async (file) => {
    const [node, second] = nodes
    if (node == null || second == null) throw new Error('nodes did not start')
    // Each runbook starts from the default mode.
    expect((await node.api('/api/lattice/sync/switch?mode=auto', { method: 'POST' })).status).toBe(200)
    for (const c of curlCommands(readFileSync(join(RUNBOOKS, file), 'utf8'))) {
      const script = `set -o pipefail; curl () { command curl --fail-with-body --max-time 10 "$@"; }; ${c.run.replaceAll(SECOND_NODE, second.url)}`
      const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', API: node.url, TOKEN: node.token }, timeout: 30_000 })
      expect({ command: c.line, status: r.status, stderr: r.status === 0 ? '' : `${r.stdout}${r.stderr}` }).toEqual({ command: c.line, status: 0, stderr: '' })
      if (c.fields.length > 0 || c.expect.length > 0) {
        const body = JSON.parse(r.stdout) as unknown
        for (const f of c.fields) expect({ command: c.line, field: f, present: at(body, f) !== undefined }).toEqual({ command: c.line, field: f, present: true })
        for (const [k, v] of c.expect) expect({ command: c.line, field: k, value: String(at(body, k)) }).toEqual({ command: c.line, field: k, value: v })
      }
    }
  }, 60_000)
})
