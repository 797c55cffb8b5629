/** A sync frame (P2P or HTTP) could not be decoded or has the wrong shape. */
export class MalformedFrameError extends Error {
  static readonly NAME = 'MalformedFrameError'
  static readonly code = 'MALFORMED_FRAME'
  readonly kind: string
  readonly reason: string

  constructor (kind: string, reason: string) {
    super(`malformed ${kind} frame: ${reason}`)
    this.name = MalformedFrameError.NAME
    this.kind = kind
    this.reason = reason
  }
}

/** An HTTP sync exchange with another node failed. */
export class HttpSyncError extends Error {
  static readonly NAME = 'HttpSyncError'
  static readonly code = 'HTTP_SYNC_FAILED'
  readonly url: string
  readonly status: number | undefined

  constructor (url: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(`http sync with ${url} failed: ${message}`, options)
    this.name = HttpSyncError.NAME
    this.url = url
    this.status = status
  }
}

/** A P2P catch-up with a peer failed (dial, protocol or decode error). */
export class CatchupError extends Error {
  static readonly NAME = 'CatchupError'
  static readonly code = 'CATCHUP_FAILED'
  readonly peerId: string

  constructor (peerId: string, message: string, options?: { cause?: unknown }) {
    super(`catch-up from ${peerId} failed: ${message}`, options)
    this.name = CatchupError.NAME
    this.peerId = peerId
  }
}

/** The sync mode given to switchMode / the switch endpoint is not p2p, http or auto. */
export class InvalidSyncModeError extends Error {
  static readonly NAME = 'InvalidSyncModeError'
  static readonly code = 'INVALID_SYNC_MODE'
  readonly mode: string

  constructor (mode: string) {
    super(`invalid sync mode "${mode}": expected p2p, http or auto`)
    this.name = InvalidSyncModeError.NAME
    this.mode = mode
  }
}
