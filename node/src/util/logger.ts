import winston from 'winston'

export type Logger = winston.Logger
export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

/**
 * JSON logs on stderr (stdout stays free for the CLI's own output). Levels as Lodestar uses them:
 * warn = unexpected but the key operations go on; error = a main function failed.
 */
export function createLogger (level: LogLevel = 'info', defaultMeta: Record<string, unknown> = {}): Logger {
  return winston.createLogger({
    level,
    defaultMeta,
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })]
  })
}

/** A logger that drops everything: for unit tests that assert behaviour, not log lines. */
export function createSilentLogger (): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] })
}
