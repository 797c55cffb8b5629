/** A configuration value is missing or wrong; the CLI prints the message and exits with code 2. */
export class ConfigError extends Error {
  static readonly NAME = 'ConfigError'
  constructor (message: string, readonly variable: string) {
    super(message)
    this.name = ConfigError.NAME
  }
}
