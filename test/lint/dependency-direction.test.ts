// The dependency direction (node and operator share only packages/contracts and packages/log; no src
// imports test code) holds on this tree, and the checker `make lint` runs does catch each kind of break.
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { repoRoot } from '../monitoring/repo-root.js'
import { findViolations } from './dependency-direction.js'

const dirs: string[] = []
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })

async function tree (files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'deps-'))
  dirs.push(root)
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true })
    await writeFile(path.join(root, file), text)
  }
  return root
}

describe('dependency direction', () => {
  it('holds on the project\'s sources', () => {
    expect(findViolations(repoRoot())).toEqual([])
  })

  it('catches the operator importing node code, src importing test code, and contracts importing a program', async () => {
    const root = await tree({
      'operator/src/ok.ts': "import { a } from '../../packages/contracts/src/a.js'\nimport { b } from './b.js'\nimport x from '@kubernetes/client-node'\n",
      'operator/src/bad.ts': "import type { Logger } from '../../node/src/util/logger.js'\n",
      'node/src/lazy.ts': "const m = await import('../../operator/src/x.js')\n",
      'node/src/helper.ts': "export { waitFor } from '../../packages/testkit/src/wait.js'\n",
      'node/src/unit.test.ts': "import { waitFor } from '../../packages/testkit/src/wait.js'\nimport { h } from '../../test/support/http.js'\n",
      'packages/contracts/src/c.ts': "import { d } from '../../../node/src/d.js'\n",
      'packages/log/src/l.ts': "import { e } from '../../contracts/src/e.js'\n"
    })
    expect(findViolations(root).map(v => `${v.file} -> ${v.target}`).sort()).toEqual([
      'node/src/helper.ts -> packages/testkit/src/wait.js',
      'node/src/lazy.ts -> operator/src/x.js',
      'node/src/unit.test.ts -> test/support/http.js',
      'operator/src/bad.ts -> node/src/util/logger.js',
      'packages/contracts/src/c.ts -> node/src/d.js',
      'packages/log/src/l.ts -> packages/contracts/src/e.js'
    ])
  })
})
