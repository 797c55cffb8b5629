/** The identity key or the API token file is unusable; the CLI reports the file and exits. */
export class IdentityError extends Error {
  static readonly NAME = 'IdentityError'
  constructor (message: string, readonly file: string) {
    super(message)
    this.name = IdentityError.NAME
  }
}
