export * from './lease.js'
