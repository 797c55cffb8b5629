/**
 * Errors the API answers with `{error: {code, message}}`. The class says the HTTP status; `code` is
 * the stable, machine-readable part of the JSON body clients branch on.
 */
export class HttpError extends Error {
  static readonly NAME: string = 'HttpError'
  constructor (readonly status: number, readonly code: string, message: string) {
    super(message)
    this.name = HttpError.NAME
  }
}

export class BadRequestError extends HttpError {
  static override readonly NAME = 'BadRequestError'
  constructor (code: string, message: string) {
    super(400, code, message)
    this.name = BadRequestError.NAME
  }
}

export class UnauthorizedError extends HttpError {
  static override readonly NAME = 'UnauthorizedError'
  constructor (message = 'a bearer token is required (Authorization: Bearer <token>)') {
    super(401, 'unauthorized', message)
    this.name = UnauthorizedError.NAME
  }
}

export class NotFoundError extends HttpError {
  static override readonly NAME = 'NotFoundError'
  constructor (message: string) {
    super(404, 'not_found', message)
    this.name = NotFoundError.NAME
  }
}

export class ConflictError extends HttpError {
  static override readonly NAME = 'ConflictError'
  constructor (code: string, message: string) {
    super(409, code, message)
    this.name = ConflictError.NAME
  }
}

export class PayloadTooLargeError extends HttpError {
  static override readonly NAME = 'PayloadTooLargeError'
  constructor (message: string) {
    super(413, 'payload_too_large', message)
    this.name = PayloadTooLargeError.NAME
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  static override readonly NAME = 'UnsupportedMediaTypeError'
  constructor (message: string) {
    super(415, 'unsupported_media_type', message)
    this.name = UnsupportedMediaTypeError.NAME
  }
}

export class ServiceUnavailableError extends HttpError {
  static override readonly NAME = 'ServiceUnavailableError'
  constructor (code: string, message: string) {
    super(503, code, message)
    this.name = ServiceUnavailableError.NAME
  }
}
