/**
 * The dependency direction between the project's parts, checked on the sources (run by `make lint`
 * with Node's type stripping, and by test/lint/dependency-direction.test.ts so `make test` keeps it):
 * - node/src and operator/src import only themselves, packages/contracts and packages/log: never each
 *   other (what the two programs share is the contract, not each other's code);
 * - packages/contracts and packages/log import nothing of the project;
 * - no file under a src imports test code: only the unit tests (*.test.ts) beside the code may import
 *   the test kit (packages/testkit/src), and nothing under a src imports test/.
 *   node test/lint/dependency-direction.ts [ROOT]      exit 1 and one line per violation
 * Self-contained (node: modules only), so it runs from the source without a build.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

interface Rule {
  /** Folder the rule is about, relative to the root. */
  area: string
  /** Folders its files may import from (besides npm packages and node: builtins). */
  may: string[]
}

const TESTKIT = 'packages/testkit/src'

export const RULES: readonly Rule[] = [
  { area: 'node/src', may: ['node/src', 'packages/contracts/src', 'packages/log/src'] },
  { area: 'operator/src', may: ['operator/src', 'packages/contracts/src', 'packages/log/src'] },
  { area: 'packages/contracts/src', may: ['packages/contracts/src'] },
  { area: 'packages/log/src', may: ['packages/log/src'] }
]

export interface Violation {
  /** The importing file, relative to the root. */
  file: string
  specifier: string
  /** What it reaches, relative to the root. */
  target: string
  reason: string
}

// `import … from '…'`, `export … from '…'`, `import '…'`, `import('…')` (as images/prune-deps.mjs reads them).
const IMPORT = /(?:^|[;\s(=])(?:import|export)\s*(?:[\w*{}\s,$]*?\bfrom\s*)?\(?\s*['"]([^'"\n]+)['"]/g

function sourceFiles (dir: string): string[] {
  let entries
  try { entries = readdirSync(dir, { withFileTypes: true }) } catch { return [] }
  return entries.flatMap(e => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : []
  })
}

const within = (path: string, folder: string): boolean => path === folder || path.startsWith(folder + '/')

/** Every import that breaks a rule, under `root`. */
export function findViolations (root: string): Violation[] {
  const violations: Violation[] = []
  for (const rule of RULES) {
    for (const path of sourceFiles(join(root, rule.area))) {
      const file = relative(root, path).split(sep).join('/')
      const isTest = file.endsWith('.test.ts')
      for (const match of readFileSync(path, 'utf8').matchAll(IMPORT)) {
        const specifier = match[1] ?? ''
        if (!specifier.startsWith('.')) continue
        const target = relative(root, resolve(dirname(path), specifier)).split(sep).join('/')
        if (rule.may.some(folder => within(target, folder))) continue
        if (isTest && within(target, TESTKIT)) continue
        const reason = within(target, 'test') || within(target, TESTKIT)
          ? `${isTest ? 'unit tests under a src may import only the test kit (packages/testkit/src), not test/' : 'source code must not import test code'}`
          : `${rule.area} may import only ${rule.may.join(', ')}`
        violations.push({ file, specifier, target, reason })
      }
    }
  }
  return violations
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../..'))
  const violations = findViolations(root)
  for (const v of violations) console.error(`${v.file}: imports '${v.specifier}' (${v.target}): ${v.reason}`)
  if (violations.length > 0) {
    console.error(`dependency direction: ${violations.length} violation(s) (rules: test/lint/dependency-direction.ts)`)
    process.exit(1)
  }
  console.log(`dependency direction: ok (${RULES.map(r => r.area).join(', ')})`)
}
