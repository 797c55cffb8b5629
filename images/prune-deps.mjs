// Keeps in node_modules only the production dependencies one program reaches, so each image holds its
// own dependency set (the daemon has no Kubernetes client, the operator no libp2p transports).
//   node prune-deps.mjs APP_DIR ENTRY.js WORKSPACE
// APP_DIR holds the root package.json, package-lock.json, the workspaces' package.json files and
// node_modules from `npm ci --omit=dev -w WORKSPACE` (WORKSPACE: the program's package folder, e.g.
// node). Its production dependencies are those of WORKSPACE/package.json and of the project packages it
// depends on (@lattice/contracts, @lattice/log). The script follows the compiled program's static and
// literal dynamic imports from ENTRY, collects the packages it imports, rewrites APP_DIR/package.json
// as a plain package listing only those, and lets `npm prune` remove the rest (their own dependencies
// stay, as the lockfile says), then deletes what Node never loads from node_modules: type declarations
// (and @types packages), TypeScript sources, source maps and Markdown. An import of a package that is
// not a production dependency stops the build: the image would fail at run time.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, relative, resolve } from 'node:path'

// tsc's ESM output: `import … from '…'`, `export … from '…'`, `import '…'`, `import('…')`.
const IMPORT = /(?:^|[;\s(=])(?:import|export)\s*(?:[\w*{}\s,$]*?\bfrom\s*)?\(?\s*['"]([^'"\n]+)['"]/g
const BUILTINS = new Set(builtinModules)

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf (specifier) {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Bare specifiers reachable from the entry file, each with the first file that imports it. */
function importedPackages (entry) {
  const packages = new Map()
  const seen = new Set()
  const queue = [resolve(entry)]
  while (queue.length > 0) {
    const file = queue.pop()
    if (seen.has(file)) continue
    seen.add(file)
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1]
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = resolve(dirname(file), specifier)
        if (target.endsWith('.js') && existsSync(target)) queue.push(target)
        continue
      }
      if (specifier.startsWith('node:') || BUILTINS.has(packageOf(specifier))) continue
      const name = packageOf(specifier)
      if (!packages.has(name)) packages.set(name, relative(process.cwd(), file))
    }
  }
  return { packages, files: seen.size }
}

const [appDir, entry, workspace] = process.argv.slice(2)
if (appDir === undefined || entry === undefined || workspace === undefined) {
  console.error('usage: node prune-deps.mjs APP_DIR ENTRY.js WORKSPACE')
  process.exit(2)
}
const pkgFile = resolve(appDir, 'package.json')
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'))
const readJson = file => JSON.parse(readFileSync(file, 'utf8'))

/** The workspace's production dependencies, with those of the project packages it depends on in place of them. */
function workspaceDependencies (dir, seen = new Set()) {
  const out = {}
  for (const [name, range] of Object.entries(readJson(resolve(dir, 'package.json')).dependencies ?? {})) {
    const local = (pkg.workspaces ?? []).map(w => resolve(appDir, w)).find(w => existsSync(resolve(w, 'package.json')) && readJson(resolve(w, 'package.json')).name === name)
    if (local === undefined) { out[name] = range; continue }
    if (seen.has(local)) continue
    seen.add(local)
    Object.assign(out, workspaceDependencies(local, seen))
  }
  return out
}
const dependencies = workspaceDependencies(resolve(appDir, workspace))
const { packages, files } = importedPackages(resolve(appDir, entry))

const missing = [...packages].filter(([name]) => !(name in dependencies))
if (missing.length > 0) {
  for (const [name, file] of missing) console.error(`prune-deps: ${file} imports ${name}, which is not in package.json's dependencies`)
  process.exit(1)
}
const kept = Object.keys(dependencies).filter(name => packages.has(name))
pkg.dependencies = Object.fromEntries(kept.map(name => [name, dependencies[name]]))
delete pkg.devDependencies
delete pkg.workspaces
writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n')
// Prune only removes packages: no network needed.
execFileSync('npm', ['prune', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--offline'], { cwd: appDir, stdio: 'inherit' })
// What Node never loads: packages' exports and mains point at JavaScript (and JSON).
const UNLOADED = /\.(?:d\.[cm]?ts|[cm]?ts|map|md)$/
let removedBytes = 0
for (const entry of readdirSync(resolve(appDir, 'node_modules'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !UNLOADED.test(entry.name)) continue
  const file = resolve(entry.parentPath, entry.name)
  removedBytes += statSync(file).size
  rmSync(file)
}
// Type-only packages (@types/*), which some libraries list as dependencies for their declarations.
const typesDir = resolve(appDir, 'node_modules', '@types')
if (existsSync(typesDir)) {
  for (const entry of readdirSync(typesDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) removedBytes += statSync(resolve(entry.parentPath, entry.name)).size
  }
  rmSync(typesDir, { recursive: true })
}
console.log(`prune-deps: removed ${(removedBytes / 2 ** 20).toFixed(1)} MiB of type declarations, TypeScript sources, source maps and Markdown`)
console.log(`prune-deps: ${entry} (${files} files) imports ${kept.length} of ${Object.keys(dependencies).length} dependencies: ${kept.join(' ')}`)
