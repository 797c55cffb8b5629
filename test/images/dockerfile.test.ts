// The Dockerfiles' conventions, read from the files (the images themselves are built and run by
// images.test.ts): they build on NODE_IMAGE (node:24-slim by default, the local base in `make images`),
// end in a distroless-style stage from scratch, run a numeric non-root user, have no HEALTHCHECK
// (Kubernetes probes the pods), carry the OCI labels, and copy only what .dockerignore lets in.
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NODE_UID } from '../../operator/src/api/constants.js'
import { ROOT } from '../chart/helm.js'

const PROGRAMS = ['node', 'operator'] as const
const OCI_LABELS = ['title', 'description', 'source', 'licenses', 'version', 'revision', 'created']

interface Dockerfile {
  text: string
  /** FROM lines, in order. */
  stages: string[]
  /** Sources of COPY instructions that read the build context. */
  contextCopies: string[]
}

function parseDockerfile (program: string): Dockerfile {
  const text = readFileSync(join(ROOT, program, 'Dockerfile'), 'utf8')
  const lines = text.replace(/\\\n/g, ' ').split('\n')
  return {
    text,
    stages: lines.filter(l => /^FROM\s/.test(l)),
    contextCopies: lines.filter(l => /^COPY\s/.test(l) && !l.includes('--from=')).flatMap(l => l.trim().split(/\s+/).slice(1, -1))
  }
}

/** The paths .dockerignore lets into the context (a deny-all list with `!path` exceptions). */
function contextAllowList (): string[] {
  const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))
  expect(lines[0]).toBe('*')
  return lines.filter(l => l.startsWith('!')).map(l => l.slice(1).replace(/\/\*\*$/, ''))
}

describe('Dockerfiles', () => {
  it.each(PROGRAMS)('lattice-%s: builds on NODE_IMAGE (node:24-slim by default), runs from scratch', program => {
    const df = parseDockerfile(program)
    expect(df.text).toMatch(/^ARG NODE_IMAGE=node:24-slim$/m)
    const [last, ...builders] = [...df.stages].reverse()
    expect(last).toBe('FROM scratch')
    expect(builders.length).toBeGreaterThanOrEqual(3)
    for (const from of builders) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+$/)
    expect(df.text).toMatch(/npm ci --omit=dev --ignore-scripts/)
    expect(df.text).not.toMatch(/^HEALTHCHECK/m)
  })

  it.each(PROGRAMS)('lattice-%s: numeric non-root user; the entrypoint is package.json\'s bin program', program => {
    const df = parseDockerfile(program)
    const users = [...df.text.matchAll(/^USER\s+(\S+)/gm)].map(m => m[1] ?? '')
    const uid = Number((users.at(-1) ?? '0').split(':')[0])
    expect(uid).toBeGreaterThan(0)
    // The operator's pods (and the chart) set the same uid: files the image owns stay the pod's.
    expect(uid).toBe(NODE_UID)
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }
    expect(df.text).toContain(`ENTRYPOINT ["/usr/local/bin/node", "/app/${pkg.bin[`lattice-${program}`] ?? '?'}"]`)
  })

  it.each(PROGRAMS)('lattice-%s: OCI labels', program => {
    const df = parseDockerfile(program)
    for (const label of OCI_LABELS) expect({ label, present: df.text.includes(`org.opencontainers.image.${label}=`) }).toEqual({ label, present: true })
    expect(df.text).toContain(`org.opencontainers.image.title="lattice-${program}"`)
  })

  it.each(PROGRAMS)('lattice-%s: copies only what .dockerignore lets into the context', program => {
    const allowed = contextAllowList()
    for (const src of parseDockerfile(program).contextCopies) {
      expect({ src, allowed: allowed.includes(src) }).toEqual({ src, allowed: true })
      expect(existsSync(join(ROOT, src))).toBe(true)
    }
  })
})
