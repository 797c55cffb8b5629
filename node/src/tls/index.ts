export { createTlsFiles, parseBundle, pemBlocks, checkServing } from './files.js'
export { TlsFileError, PeerCertificateRejectedError } from './errors.js'
export { certificateRejection } from './verify.js'
export type { TlsFiles, TlsFilesInit, TlsFilesComponents, TlsFilesEvents, ServingMaterial } from './interface.js'
