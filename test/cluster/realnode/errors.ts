/** Errors of the real node harness: named classes with metadata. */

export class RealNodeBinariesMissingError extends Error {
  readonly missing: string[]
  constructor (missing: string[], make = 'make realnode') {
    super(`real node programs missing: ${missing.join(', ')}; run \`${make}\` first`)
    this.name = 'RealNodeBinariesMissingError'
    this.missing = missing
  }
}

/** Why the real node cannot run here at all (not root, no cgroup v1 memory controller, …). */
export class RealNodeUnsupportedError extends Error {
  readonly reason: string
  constructor (reason: string) {
    super(`a real Kubernetes node cannot run on this machine: ${reason}`)
    this.name = 'RealNodeUnsupportedError'
    this.reason = reason
  }
}
