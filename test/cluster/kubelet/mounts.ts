import path from 'node:path'

/**
 * Processes are not chrooted, so a container's mount paths live under its pod sandbox: mountPath
 * `/var/lib/lattice` is the directory `<sandbox>/var/lib/lattice`. The process learns the sandbox
 * from the env `LATTICE_LOCAL_ROOT`, and every env value, command and arg that names a mount path
 * is rewritten to the sandbox path. The rule (pure):
 *  - a value equal to a mount path, or starting with `<mount path>/`, is prefixed with the sandbox;
 *  - in a `--flag=<value>` or `NAME=<value>` token, the part after the first `=` gets the same rule;
 *  - a list of such values separated by `,` or `:` is rewritten element by element;
 *  - a path that exists on the host is left alone (a host binary such as
 *    /work/main/node_modules/.bin/node under a mount at /work, or /tmp itself under a /tmp emptyDir);
 *  - everything else is left alone, and so are the image table's entry points (see containerArgv).
 * Shell scripts inside an argument are not parsed: they should use "$LATTICE_LOCAL_ROOT/…".
 * `existsOnHost` is injected so the rule stays pure.
 */
export function rewriteMountPaths (value: string, mountPaths: readonly string[], sandbox: string, existsOnHost: (p: string) => boolean = () => false): string {
  if (mountPaths.length === 0) return value
  const eq = value.indexOf('=')
  if (eq > 0 && !value.startsWith('/')) {
    return value.slice(0, eq + 1) + rewriteList(value.slice(eq + 1), mountPaths, sandbox, existsOnHost)
  }
  return rewriteList(value, mountPaths, sandbox, existsOnHost)
}

function rewriteList (value: string, mountPaths: readonly string[], sandbox: string, existsOnHost: (p: string) => boolean): string {
  if (!value.includes('/')) return value
  return value.split(/([,:])/).map(part => rewriteOne(part, mountPaths, sandbox, existsOnHost)).join('')
}

function rewriteOne (value: string, mountPaths: readonly string[], sandbox: string, existsOnHost: (p: string) => boolean): string {
  if (value.startsWith(sandbox)) return value
  for (const mp of sortedLongestFirst(mountPaths)) {
    const m = mp.endsWith('/') && mp.length > 1 ? mp.slice(0, -1) : mp
    if (value === m || value.startsWith(`${m}/`)) return existsOnHost(value) ? value : path.join(sandbox, value)
  }
  return value
}

function sortedLongestFirst (paths: readonly string[]): string[] {
  return [...paths].sort((a, b) => b.length - a.length)
}

/** Where a mount path lives on the host. */
export function hostPathOf (sandbox: string, mountPath: string): string {
  return path.join(sandbox, mountPath)
}
