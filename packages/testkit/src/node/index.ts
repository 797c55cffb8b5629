export { request, httpsText, type JsonResponse, type RequestOptions } from './http.js'
export { startNodeProcess, startStandaloneNode, startLattice, prepareIdentity, writePskFile, NODE_MAIN, type NodeProcess, type NodeProcessOptions, type Lattice, type LatticeOptions } from './process.js'
export { testCa, loopbackCertificate, presentedCertificate, writeTlsFiles } from '../tls.js'
