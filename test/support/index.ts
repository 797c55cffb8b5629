export { request, type JsonResponse } from './http.js'
export { startNodeProcess, startStandaloneNode, startLattice, prepareIdentity, writePskFile, NODE_MAIN, type NodeProcess, type NodeProcessOptions, type Lattice, type LatticeOptions } from './node-process.js'
