export * from './errors.js'
export * from './client.js'
export * from './informer.js'
export * from './events.js'
