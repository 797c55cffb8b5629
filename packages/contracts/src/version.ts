import { readFileSync } from 'node:fs'

/** The project's version (package.json), what lattice-node and lattice-operator print for --version. */
export function packageVersion (): string {
  // From <dist>/packages/contracts/src (the compiled module), package.json is four levels up, beside <dist>.
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}
