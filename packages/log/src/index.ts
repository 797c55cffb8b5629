export type { Logger, LogLevel, LogMeta, ResourceLogKeys } from './interface.js'
export { createLogger, createSilentLogger } from './winston.js'
export { resourceKeys, withResource } from './resource.js'
