export * from './snapshot.js'
export * from './fixtures.js'
