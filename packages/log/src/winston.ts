import winston from 'winston'
import type { Logger, LogLevel, LogMeta } from './interface.js'

/** JSON logs on stderr (stdout stays free for the CLI's own output). */
export function createLogger (level: LogLevel = 'info', defaultMeta: LogMeta = {}): Logger {
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
