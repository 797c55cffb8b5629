/** Structured metadata of one log line (JSON keys). */
export type LogMeta = Record<string, unknown>

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

/**
 * The logger both programs write through. Levels as Lodestar uses them: warn = unexpected but the key
 * operations go on; error = a main function failed. winston's Logger satisfies it (createLogger), so
 * tests may hand in a winston logger with their own transport.
 */
export interface Logger {
  error(message: string, meta?: LogMeta): unknown
  warn(message: string, meta?: LogMeta): unknown
  info(message: string, meta?: LogMeta): unknown
  debug(message: string, meta?: LogMeta): unknown
  log(level: LogLevel, message: string, meta?: LogMeta): unknown
  /** A logger that adds `meta` to every line. */
  child(meta: LogMeta): Logger
  /**
   * Whether lines of `level` are written (winston's). A hot path asks before building a debug line:
   * winston formats every line (timestamp, JSON) before its transport drops one below the level.
   */
  isLevelEnabled?(level: LogLevel): boolean
}

/**
 * The fixed keys that name the Kubernetes object a line is about (cert-manager's resource_name,
 * resource_namespace, resource_kind), so one query finds every line about one object.
 */
export type ResourceLogKeys = {
  resource_kind: string
  resource_namespace: string
  resource_name: string
}
