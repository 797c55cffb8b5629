export { waitFor, WaitTimeoutError, type WaitOptions } from './wait.js'
export { request, type JsonResponse } from './http.js'
export { freePort } from './ports.js'
export { startNodeProcess, startStandaloneNode, startLattice, prepareIdentity, writePskFile, NODE_MAIN, type NodeProcess, type NodeProcessOptions, type Lattice, type LatticeOptions } from './node-process.js'
