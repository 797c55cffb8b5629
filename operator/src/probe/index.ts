export * from './prober.js'
