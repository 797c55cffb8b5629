export type { NodeConfig } from './interface.js'
export { ConfigError } from './errors.js'
export { loadConfig, flagsToVariables, unknownVariables } from './load.js'
