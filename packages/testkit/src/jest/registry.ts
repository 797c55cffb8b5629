/**
 * What a test suite registers for its failure dump, shared between the test code (which runs inside
 * jest's VM context) and the test environment (outside it): the environment puts one registry on
 * the suite's global object under REGISTRY_KEY, the kit's helpers find it there.
 */

export const REGISTRY_KEY = '__latticeFailureRegistry'

export interface DumpSource {
  /** A file-name-friendly title: `namespace lattice-xyz`, `lattice-node 127.0.0.1:4321`. */
  name: string
  /** Text for the failure output; called only when a test fails. */
  dump: () => Promise<string> | string
  /** Whether the thing still runs; a source that is not live is dumped only for the test that registered it. */
  live?: () => boolean
}

export interface FailureRegistry {
  /** Dump this source when a test fails; the returned function removes it. */
  addDump: (source: DumpSource) => () => void
  /** A directory the suite writes: kept when a test fails while it is in use, removed at the end of the suite otherwise. */
  addDir: (dir: string) => void
  /** The suite is done with the directory (its processes stopped): no later failure keeps it. */
  releaseDir: (dir: string) => void
}

export function failureRegistry (): FailureRegistry | undefined {
  return (globalThis as Record<string, unknown>)[REGISTRY_KEY] as FailureRegistry | undefined
}
