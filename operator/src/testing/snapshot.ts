/**
 * File snapshots kept in the source tree (cdk8s style: render objects to YAML, compare with the
 * committed file). jest's own toMatchSnapshot writes beside the compiled test (dist/ or $LATTICE_DIST),
 * which is never committed, so it would pass on every fresh build; these files live next to the
 * TypeScript source. Update with LATTICE_UPDATE_SNAPSHOTS=1.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import yaml from 'js-yaml'
import { findCrdDir } from '../api/crd-files.js'

export class SnapshotMissingError extends Error {
  readonly file: string
  constructor (file: string) {
    super(`snapshot ${file} does not exist; run with LATTICE_UPDATE_SNAPSHOTS=1 to write it, then review and commit it`)
    this.name = 'SnapshotMissingError'
    this.file = file
  }
}

/** Path of a snapshot under the repository (`<repo>/<relDir>/__snapshots__/<name>.yaml`). */
export function snapshotPath (relDir: string, name: string): string {
  const repo = dirname(findCrdDir())
  return join(repo, relDir, '__snapshots__', `${name}.yaml`)
}

/** Returns [expected, actual] YAML texts; the caller asserts equality (so jest prints the diff). */
export function snapshotPair (relDir: string, name: string, value: unknown): [string, string] {
  const file = snapshotPath(relDir, name)
  const actual = yaml.dump(value, { sortKeys: false, lineWidth: 200, noRefs: true })
  if (process.env.LATTICE_UPDATE_SNAPSHOTS === '1') {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, actual)
  }
  if (!existsSync(file)) throw new SnapshotMissingError(file)
  return [readFileSync(file, 'utf8'), actual]
}
