// The container images cannot be built on this machine (no container engine), so this test replays what
// node/Dockerfile and operator/Dockerfile do, with the same commands, in clean temp dirs:
//   build stage:   the build context (.dockerignore), the image's tsconfig (taken from the Dockerfile), tsc
//   deps stage:    npm ci --omit=dev --ignore-scripts from package.json + package-lock.json only
//   runtime stage: production node_modules + the compiled output only, then `<entrypoint> --help` (Node 24)
// and checks the Dockerfiles' conventions (Node 24 slim base, non-root numeric USER, no HEALTHCHECK).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { nodeBinary } from '../cluster/binaries.js'
import { ROOT, runCommand } from './helm.js'

interface Image {
  name: 'lattice-node' | 'lattice-operator'
  dockerfile: string
}
const IMAGES: Image[] = [
  { name: 'lattice-node', dockerfile: join(ROOT, 'node/Dockerfile') },
  { name: 'lattice-operator', dockerfile: join(ROOT, 'operator/Dockerfile') }
]
const DEV_ONLY = ['jest', 'typescript', 'node', '@jest/globals', 'playwright-core', 'ts-jest']
const PROD = ['libp2p', 'express', '@kubernetes/client-node', 'prom-client', 'winston']

interface Dockerfile {
  text: string
  stages: string[]
  /** The tsconfig the build stage writes with printf. */
  imageTsconfig: string
  /** /app-relative script the entrypoint wrapper execs. */
  entry: string
  /** Sources of COPY instructions that read the build context. */
  contextCopies: string[]
}

function parseDockerfile (file: string): Dockerfile {
  const text = readFileSync(file, 'utf8')
  const joined = text.replace(/\\\n/g, ' ')
  const stages = joined.split('\n').filter(l => /^FROM\s/.test(l))
  const printf = /printf '%s\\n' ((?:'[^']*'\s*)+)> tsconfig\.image\.json/.exec(joined)
  const entry = /exec node \/app\/(\S+) "\$@"/.exec(joined)
  if (printf == null || entry == null) throw new Error(`${file}: no tsconfig.image.json printf or entrypoint wrapper`)
  const parts = [...(printf[1] ?? '').matchAll(/'([^']*)'/g)].map(m => m[1])
  const contextCopies = joined.split('\n')
    .filter(l => /^COPY\s/.test(l) && !l.includes('--from='))
    .flatMap(l => l.trim().split(/\s+/).slice(1, -1))
  return { text, stages, imageTsconfig: parts.join('\n'), entry: entry[1] ?? '', contextCopies }
}

/** The paths .dockerignore lets into the context (it is a deny-all list with `!path/**` exceptions). */
function contextAllowList (): string[] {
  const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))
  expect(lines[0]).toBe('*')
  return lines.filter(l => l.startsWith('!')).map(l => l.slice(1).replace(/\/\*\*$/, ''))
}

function copyContext (dest: string, sources: string[]): void {
  for (const src of sources) {
    cpSync(join(ROOT, src), join(dest, src), {
      recursive: true,
      // .dockerignore: **/*.test.ts stay out of the context.
      filter: (from: string) => !from.endsWith('.test.ts')
    })
  }
}

function filesUnder (dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile())
    .map(e => relative(dir, join(e.parentPath, e.name)))
}

describe('Dockerfiles', () => {
  it.each(IMAGES.map(i => [i.name, i] as const))('%s: multi-stage on Node 24 slim, non-root, production deps only, no HEALTHCHECK', (name, image) => {
    const df = parseDockerfile(image.dockerfile)
    expect(df.text).toMatch(/^ARG NODE_IMAGE=node:24-slim$/m)
    expect(df.stages.length).toBeGreaterThanOrEqual(2)
    for (const from of df.stages) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}/)
    expect(df.text).not.toMatch(/^HEALTHCHECK/m)
    expect(df.text).toMatch(/npm ci --omit=dev --ignore-scripts/)
    // The last USER is numeric and not root, so runAsNonRoot can verify it.
    const users = [...df.text.matchAll(/^USER\s+(\S+)/gm)].map(m => m[1] ?? '')
    const uid = Number((users.at(-1) ?? '0').split(':')[0])
    expect(uid).toBeGreaterThan(0)
    expect(df.text).toMatch(new RegExp(`^ENTRYPOINT \\["${name}"\\]$`, 'm'))
    expect(df.text).toContain(`> /usr/local/bin/${name}`)
  })

  it.each(IMAGES.map(i => [i.name, i] as const))('%s: copies only what .dockerignore lets into the context', (_name, image) => {
    const allowed = contextAllowList()
    for (const src of parseDockerfile(image.dockerfile).contextCopies) {
      expect({ src, allowed: allowed.includes(src) }).toEqual({ src, allowed: true })
      expect(existsSync(join(ROOT, src))).toBe(true)
    }
  })
})

describe('production install (the images\' build, deps and runtime stages, replayed)', () => {
  let tmp = ''
  let deps = ''
  const node = nodeBinary()
  // npm's own scripts run on `env node`: put the pinned Node 24 first.
  const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}`, npm_config_update_notifier: 'false' }

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'lattice-prod-install-'))
    // deps stage: only package.json and the lockfile.
    deps = join(tmp, 'deps')
    mkdirSync(deps)
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(deps, f))
    const r = runCommand('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: deps, env, timeoutMs: 300_000 })
    if (r.status !== 0) throw new Error(`npm ci --omit=dev failed: ${r.stderr}`)
  }, 320_000)

  afterAll(() => { if (tmp !== '') rmSync(tmp, { recursive: true, force: true }) })

  it('installs the production dependencies and none of the dev tools', () => {
    for (const p of PROD) expect({ p, installed: existsSync(join(deps, 'node_modules', p, 'package.json')) }).toEqual({ p, installed: true })
    for (const p of DEV_ONLY) expect({ p, installed: existsSync(join(deps, 'node_modules', p)) }).toEqual({ p, installed: false })
  })

  it.each(IMAGES.map(i => [i.name, i] as const))('%s --help runs from a clean production install', (name, image) => {
    const df = parseDockerfile(image.dockerfile)
    // build stage: the context, all dependencies (the repository's), the image's tsconfig.
    const ctx = join(tmp, `${name}-build`)
    mkdirSync(ctx)
    copyContext(ctx, df.contextCopies.filter(s => s !== 'crds'))
    symlinkSync(join(ROOT, 'node_modules'), join(ctx, 'node_modules'), 'dir')
    writeFileSync(join(ctx, 'tsconfig.image.json'), df.imageTsconfig)
    const tsc = runCommand(node, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.image.json', '--outDir', 'dist'], { cwd: ctx, env, timeoutMs: 300_000 })
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
    // The node image also builds its dashboard page into the output.
    const dashboardBuild = 'node/src/dashboard/web/build.sh'
    if (df.text.includes(`bash ${dashboardBuild} dist`)) {
      const web = runCommand('bash', [dashboardBuild, 'dist'], { cwd: ctx, env, timeoutMs: 300_000 })
      expect(web.status).toBe(0)
      expect(existsSync(join(ctx, 'dist/node/src/dashboard/web/index.html'))).toBe(true)
    }

    // runtime stage: production node_modules, package.json, the compiled program (and crds/ where copied).
    const app = join(tmp, `${name}-app`)
    mkdirSync(app)
    symlinkSync(join(deps, 'node_modules'), join(app, 'node_modules'), 'dir')
    cpSync(join(ROOT, 'package.json'), join(app, 'package.json'))
    const program = df.entry.split('/').slice(0, 2).join('/') // dist/node or dist/operator
    const copiesWholeDist = /COPY --from=build \/src\/dist \.\/dist$/m.test(df.text)
    cpSync(join(ctx, copiesWholeDist ? 'dist' : program), join(app, copiesWholeDist ? 'dist' : program), { recursive: true })
    if (df.contextCopies.includes('crds')) cpSync(join(ROOT, 'crds'), join(app, 'crds'), { recursive: true })
    expect(filesUnder(join(app, 'dist')).filter(f => f.endsWith('.test.js'))).toEqual([])

    expect(existsSync(join(app, df.entry))).toBe(true)
    const help = runCommand(node, [join(app, df.entry), '--help'], { cwd: app, env: { PATH: env.PATH, HOME: tmp }, timeoutMs: 60_000 })
    expect(help.stdout).toContain(name)
    expect(help.status).toBe(0)

    // package.json's bin entry is the same program.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> }
    expect(pkg.bin?.[name]).toBe(df.entry)
  }, 320_000)
})
