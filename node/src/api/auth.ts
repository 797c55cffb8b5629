import { timingSafeEqual, createHash } from 'node:crypto'
import type { RequestHandler } from 'express'
import { UnauthorizedError } from './errors.js'

/**
 * Bearer-token check for mutations and node-to-node sync. Both sides are hashed first so the
 * comparison takes the same time whatever the length of the guess.
 */
export function requireToken (token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest()
  return (req, _res, next) => {
    const header = req.get('authorization') ?? ''
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match == null) { next(new UnauthorizedError()); return }
    const given = createHash('sha256').update(match[1]).digest()
    if (!timingSafeEqual(given, expected)) { next(new UnauthorizedError('the bearer token is not valid for this node')); return }
    next()
  }
}
