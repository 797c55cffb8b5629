import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodeBinary } from '../binaries.js'
import { ImageNotMappedError } from '../errors.js'

/** What a local "image" runs: its entry point (ENTRYPOINT), default args (CMD) and extra env. */
export interface ImageEntry {
  entrypoint: string[]
  args?: string[]
  env?: Record<string, string>
}

/**
 * Images to local entry points, keyed by image name. A pod's image `reg.io/org/lattice-node:1.2`
 * matches the key `reg.io/org/lattice-node:1.2`, then `reg.io/org/lattice-node`, then `lattice-node`.
 */
export type ImageTable = Record<string, ImageEntry>

export function lookupImage (table: ImageTable, image: string): ImageEntry {
  const noDigest = image.split('@')[0]
  const lastSlash = noDigest.lastIndexOf('/')
  const colon = noDigest.lastIndexOf(':')
  const noTag = colon > lastSlash ? noDigest.slice(0, colon) : noDigest
  const short = noTag.slice(noTag.lastIndexOf('/') + 1)
  for (const key of [image, noDigest, noTag, short]) {
    const e = table[key]
    if (e != null) return e
  }
  throw new ImageNotMappedError(image)
}

/**
 * The command line of a container: `command` replaces the image's entry point, `args` its default
 * args, as in Kubernetes. `mapSpec` ($(VAR) expansion, the mount path rule) applies only to what
 * the pod spec wrote; the image table's own entries are host paths and stay as they are. Pure.
 */
export function containerArgv (entry: ImageEntry, command: string[] | undefined, args: string[] | undefined, mapSpec: (v: string) => string = v => v): string[] {
  const hasCommand = command != null && command.length > 0
  const ep = hasCommand ? command.map(mapSpec) : entry.entrypoint
  const a = args != null && args.length > 0 ? args.map(mapSpec) : (hasCommand ? [] : (entry.args ?? []))
  return [...ep, ...a]
}

/** The compile output root (dist) this module was loaded from. */
export function distRoot (): string {
  // <dist>/test/cluster/kubelet/images.js
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
}

/**
 * The project's images: `lattice-node` and `lattice-operator` run the compiled programs with the
 * pinned Node 24; `lattice-test-http` is a tiny HTTP server for harness tests (busybox-like).
 */
export function defaultImages (dist = distRoot()): ImageTable {
  const node = nodeBinary()
  return {
    'lattice-node': { entrypoint: [node, path.join(dist, 'node', 'src', 'main.js')] },
    'lattice-operator': { entrypoint: [node, path.join(dist, 'operator', 'src', 'main.js')] },
    'lattice-test-http': { entrypoint: [node, path.join(dist, 'test', 'cluster', 'images', 'http-server.js')] }
  }
}
