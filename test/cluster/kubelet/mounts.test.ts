import { describe, expect, it } from '@jest/globals'
import { rewriteMountPaths } from './mounts.js'

const mounts = ['/var/lib/lattice', '/etc/lattice/secret', '/etc/lattice']
const sb = '/tmp/sandbox'

describe('rewriteMountPaths (the mount path rule)', () => {
  it('prefixes values equal to or under a mount path', () => {
    expect(rewriteMountPaths('/var/lib/lattice', mounts, sb)).toBe('/tmp/sandbox/var/lib/lattice')
    expect(rewriteMountPaths('/var/lib/lattice/db.sqlite', mounts, sb)).toBe('/tmp/sandbox/var/lib/lattice/db.sqlite')
  })
  it('picks the longest matching mount', () => {
    expect(rewriteMountPaths('/etc/lattice/secret/token', mounts, sb)).toBe('/tmp/sandbox/etc/lattice/secret/token')
  })
  it('leaves other values alone, including lookalike prefixes', () => {
    expect(rewriteMountPaths('/var/lib/lattice2/x', mounts, sb)).toBe('/var/lib/lattice2/x')
    expect(rewriteMountPaths('127.0.0.2:8080', mounts, sb)).toBe('127.0.0.2:8080')
    expect(rewriteMountPaths('/ip4/0.0.0.0/tcp/4001', mounts, sb)).toBe('/ip4/0.0.0.0/tcp/4001')
  })
  it('leaves paths that exist on the host alone (host binaries under a mount path)', () => {
    const exists = (p: string): boolean => p === '/work/main/node_modules/.bin/node'
    expect(rewriteMountPaths('/work/main/node_modules/.bin/node', ['/work'], sb, exists)).toBe('/work/main/node_modules/.bin/node')
    expect(rewriteMountPaths('/work/out.txt', ['/work'], sb, exists)).toBe('/tmp/sandbox/work/out.txt')
    expect(rewriteMountPaths('/tmp/sandbox/var/lib/lattice', mounts, sb)).toBe('/tmp/sandbox/var/lib/lattice')
  })
  it('rewrites the value of --flag=value tokens and list elements', () => {
    expect(rewriteMountPaths('--data-dir=/var/lib/lattice/d', mounts, sb)).toBe('--data-dir=/tmp/sandbox/var/lib/lattice/d')
    expect(rewriteMountPaths('/etc/lattice/a:/usr/bin', mounts, sb)).toBe('/tmp/sandbox/etc/lattice/a:/usr/bin')
  })
})
