/** A TLS file could not be read, or its content is not a usable certificate, key or CA bundle. */
export class TlsFileError extends Error {
  static readonly NAME = 'TlsFileError'
  static readonly code = 'TLS_FILE_INVALID'
  readonly file: string

  constructor (file: string, reason: string, options?: { cause?: unknown }) {
    super(`TLS file ${file}: ${reason}`, options)
    this.name = TlsFileError.NAME
    this.file = file
  }
}

/** Another node's certificate did not verify against the trusted CA bundle (or did not name the host). */
export class PeerCertificateRejectedError extends Error {
  static readonly NAME = 'PeerCertificateRejectedError'
  static readonly code = 'PEER_CERTIFICATE_REJECTED'
  readonly url: string
  /** The TLS stack's reason, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID. */
  readonly reason: string

  constructor (url: string, reason: string, options?: { cause?: unknown }) {
    super(`certificate of ${url} refused: ${reason}`, options)
    this.name = PeerCertificateRejectedError.NAME
    this.url = url
    this.reason = reason
  }
}
