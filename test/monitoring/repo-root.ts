import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The repository root, for tests that read checked-in files (rules, charts, manifests). Compiled tests
 * may run from an output dir outside the work tree ($LATTICE_DIST), so search upwards from the working
 * directory (jest's rootDir) and from this file; LATTICE_ROOT overrides both.
 */
export function repoRoot (): string {
  const fromEnv = process.env.LATTICE_ROOT
  if (fromEnv != null && fromEnv !== '') return resolve(fromEnv)
  for (const start of [process.cwd(), dirname(fileURLToPath(import.meta.url))]) {
    let dir = resolve(start)
    for (;;) {
      if (isLatticeRoot(dir)) return dir
      const parent = dirname(dir)
      if (parent === dir) break
      dir = parent
    }
  }
  throw new Error('cannot find the Lattice repository root: run from the work tree or set LATTICE_ROOT')
}

function isLatticeRoot (dir: string): boolean {
  const pkg = join(dir, 'package.json')
  if (!existsSync(pkg) || !existsSync(join(dir, 'manifests'))) return false
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'lattice'
  } catch {
    return false
  }
}
