import { describe, expect, it } from '@jest/globals'
import { ImageNotMappedError } from '../errors.js'
import { containerArgv, lookupImage } from './images.js'

const table = {
  'lattice-node': { entrypoint: ['node', 'main.js'], args: ['--default'] },
  'reg.io/x/special:2': { entrypoint: ['special'] }
}

describe('image table', () => {
  it('matches by full reference, then name without tag, then last path segment', () => {
    expect(lookupImage(table, 'ghcr.io/diotec360/lattice-node:0.1.0').entrypoint).toEqual(['node', 'main.js'])
    expect(lookupImage(table, 'lattice-node@sha256:abc').entrypoint).toEqual(['node', 'main.js'])
    expect(lookupImage(table, 'reg.io/x/special:2').entrypoint).toEqual(['special'])
  })
  it('refuses unknown images with a named error', () => {
    expect(() => lookupImage(table, 'busybox')).toThrow(ImageNotMappedError)
  })
  it('builds argv as Kubernetes: command replaces the entry point, args the default args', () => {
    const e = table['lattice-node']
    expect(containerArgv(e, undefined, undefined)).toEqual(['node', 'main.js', '--default'])
    expect(containerArgv(e, undefined, ['--x'])).toEqual(['node', 'main.js', '--x'])
    expect(containerArgv(e, ['sh', '-c'], undefined)).toEqual(['sh', '-c'])
    expect(containerArgv(e, ['sh', '-c'], ['echo hi'])).toEqual(['sh', '-c', 'echo hi'])
  })
  it('maps only what the pod spec wrote, never the image entry point', () => {
    const e = table['lattice-node']
    const up = (v: string): string => v.toUpperCase()
    expect(containerArgv(e, undefined, undefined, up)).toEqual(['node', 'main.js', '--default'])
    expect(containerArgv(e, undefined, ['--x'], up)).toEqual(['node', 'main.js', '--X'])
    expect(containerArgv(e, ['sh'], ['-c'], up)).toEqual(['SH', '-C'])
  })
})
