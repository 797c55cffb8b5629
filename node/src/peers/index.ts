export { createPeerDirectory } from './directory.js'
export { InvalidPeersFileError } from './errors.js'
export { mergePeers, normaliseUrl } from './parse.js'
export type { PeerDirectory, PeerDirectoryInit, PeerDirectoryComponents, PeerDirectoryEvents, PeerSnapshot } from './interface.js'
