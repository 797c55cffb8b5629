/**
 * Failure artifacts from the test's side: what to dump and which directories to keep when a test
 * fails (CloudNativePG keeps the namespaces of failed tests, PRESERVE_NAMESPACES; here it is the
 * suite's directories: data dirs, logs). Under the kit's jest environment the environment dumps and
 * cleans up; anywhere else (benchmarks, demos) directories are removed at once and nothing is dumped.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { failureRegistry, type DumpSource } from './jest/registry.js'

/** Dump `source` when a test fails; returns the function that unregisters it (a no-op outside jest). */
export function registerDump (source: DumpSource): () => void {
  return failureRegistry()?.addDump(source) ?? (() => {})
}

/** A fresh directory under the OS temp dir, kept when a test fails while it is in use (see disposeDir). */
export async function tempDir (prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  failureRegistry()?.addDir(dir)
  return dir
}

/**
 * The test is done with `dir` (stop its processes first). Under the kit's environment it is removed
 * at the end of the suite unless a test failed while it was in use; elsewhere it is removed now.
 */
export async function disposeDir (dir: string): Promise<void> {
  const registry = failureRegistry()
  if (registry !== undefined) registry.releaseDir(dir)
  else await rm(dir, { recursive: true, force: true })
}

/** The last `lines` lines of `text`, for dumps of long logs. */
export function tail (text: string, lines: number): string {
  const all = text.trimEnd().split('\n')
  return all.length <= lines ? all.join('\n') : [`(… ${all.length - lines} earlier lines)`, ...all.slice(-lines)].join('\n')
}
