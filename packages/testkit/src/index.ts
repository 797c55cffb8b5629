/**
 * The one test kit: waiting on conditions, free ports, Prometheus text. Heavier parts have their own
 * entry points so a unit test that only waits does not load libp2p: `fixtures/` (resource builders
 * with modifiers).
 */
export { waitFor, WaitTimeoutError, type WaitOptions } from './wait.js'
export { freePort, isListening } from './ports.js'
export { parsePrometheusText, samplesOf, metricValue, sampleValue, registryValue, PromParseError, type PromSample } from './prom.js'
export { registerDump, tempDir, disposeDir, tail } from './artifacts.js'
export type { DumpSource } from './jest/registry.js'
