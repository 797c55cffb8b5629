/**
 * Errors the API answers with `{error: {code, message}}`. The class says the HTTP status; `code` is
 * the stable, machine-readable part of the JSON body clients branch on.
 */
export class HttpError extends Error {
  override name = 'HttpError'
  constructor (readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export class BadRequestError extends HttpError {
  override name = 'BadRequestError'
  constructor (code: string, message: string) { super(400, code, message) }
}

export class UnauthorizedError extends HttpError {
  override name = 'UnauthorizedError'
  constructor (message = 'a bearer token is required (Authorization: Bearer <token>)') { super(401, 'unauthorized', message) }
}

export class NotFoundError extends HttpError {
  override name = 'NotFoundError'
  constructor (message: string) { super(404, 'not_found', message) }
}

export class ConflictError extends HttpError {
  override name = 'ConflictError'
  constructor (code: string, message: string) { super(409, code, message) }
}

export class PayloadTooLargeError extends HttpError {
  override name = 'PayloadTooLargeError'
  constructor (message: string) { super(413, 'payload_too_large', message) }
}

export class UnsupportedMediaTypeError extends HttpError {
  override name = 'UnsupportedMediaTypeError'
  constructor (message: string) { super(415, 'unsupported_media_type', message) }
}

export class ServiceUnavailableError extends HttpError {
  override name = 'ServiceUnavailableError'
  constructor (code: string, message: string) { super(503, code, message) }
}
