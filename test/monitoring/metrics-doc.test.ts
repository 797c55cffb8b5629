// docs/metrics.md is the one table of every metric: each `lattice_*` metric the node and the operator
// define in their sources is documented there, and the table lists nothing else. (The paging test checks
// the same against the real /metrics of a running node and operator.)
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './repo-root.js'

const ROOT = repoRoot()

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : []
  })
}

describe('docs/metrics.md', () => {
  it('documents exactly the metrics the node and the operator define', () => {
    const defined = new Set<string>()
    for (const f of [...sources(join(ROOT, 'node/src')), ...sources(join(ROOT, 'operator/src'))]) {
      for (const m of readFileSync(f, 'utf8').matchAll(/name: '(lattice_\w+)'/g)) defined.add(m[1] ?? '')
    }
    const documented = [...readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8').matchAll(/^\| `(lattice_\w+)` \|/gm)].map(m => m[1] ?? '')
    expect(documented.length).toBe(new Set(documented).size)
    expect([...documented].sort()).toEqual([...defined].sort())
  })
})
