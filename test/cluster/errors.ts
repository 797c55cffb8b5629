/** Errors of the local control plane harness: named classes with metadata, not string codes. */

export class ControlPlaneBinariesMissingError extends Error {
  readonly binDir: string
  readonly missing: string[]
  constructor (binDir: string, missing: string[]) {
    super(`control plane binaries missing in ${binDir}: ${missing.join(', ')}; run \`make controlplane\` (test/controlplane/build.sh) first`)
    this.name = 'ControlPlaneBinariesMissingError'
    this.binDir = binDir
    this.missing = missing
  }
}

export class ComponentStartError extends Error {
  readonly component: string
  readonly logFile: string
  constructor (component: string, reason: string, logFile: string) {
    super(`${component} did not start: ${reason} (log: ${logFile})`)
    this.name = 'ComponentStartError'
    this.component = component
    this.logFile = logFile
  }
}


export class CommandFailedError extends Error {
  readonly command: string[]
  readonly exitCode: number | null
  readonly stderr: string
  constructor (command: string[], exitCode: number | null, stderr: string) {
    super(`${command.join(' ')} exited with ${exitCode}: ${stderr.trim()}`)
    this.name = 'CommandFailedError'
    this.command = command
    this.exitCode = exitCode
    this.stderr = stderr
  }
}

export class ImageNotMappedError extends Error {
  readonly image: string
  constructor (image: string) {
    super(`image ${image} has no local entry point in the kubelet's image table`)
    this.name = 'ImageNotMappedError'
    this.image = image
  }
}
