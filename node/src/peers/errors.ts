/** The peers file could not be parsed; the previous view stays in force. */
export class InvalidPeersFileError extends Error {
  static readonly NAME = 'InvalidPeersFileError'
  static readonly code = 'INVALID_PEERS_FILE'
  readonly file: string
  readonly reason: string

  constructor (file: string, reason: string) {
    super(`invalid peers file ${file}: ${reason}`)
    this.name = InvalidPeersFileError.NAME
    this.file = file
    this.reason = reason
  }
}
