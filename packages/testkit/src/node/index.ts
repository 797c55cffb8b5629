export { request, httpsText, type JsonResponse, type RequestOptions } from './http.js'
export { startNodeProcess, startStandaloneNode, prepareIdentity, writePskFile, NODE_MAIN, type NodeProcess, type NodeProcessOptions } from './process.js'
export { startLattice, startConnectedLattice, type Lattice, type LatticeOptions, type ConnectedLatticeOptions } from './lattice.js'
export { testCa, loopbackCertificate, presentedCertificate, writeTlsFiles } from '../tls.js'
