import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** How long a refused upload's connection stays half-closed, unread, before it is destroyed. */
export const LINGER_MS = 2000

/**
 * Ends the connection of a request answered before its body was read (401 before the token-checked
 * body, 413 on a declared length, 415) without reading that body.
 *
 * Node's HTTP server, once a response finishes, either reads and discards the rest of the body to
 * keep the connection alive (`req._dump()`: 64 clients uploading 15 MB made it read about 1 GB and
 * pushed GET /state p99 to hundreds of ms), or, with `Connection: close`, destroys the socket right
 * after the answer is written: the kernel then resets a connection that still has unread data, and a
 * client that is still sending gets EPIPE/ECONNRESET, often before it has read the answer. This does
 * what a lingering close does (Apache's `lingering_close`): answer with `Connection: close`, send FIN
 * after the answer (the client reads a complete response), stop reading (the client's upload stalls
 * on TCP flow control, costing this process nothing), and destroy the socket after `lingerMs`, by
 * which time the client has read the answer.
 */
export function closeWithoutReading (req: IncomingMessage, res: ServerResponse, lingerMs = LINGER_MS): void {
  if (req.complete || res.headersSent) return
  res.setHeader('Connection', 'close')
  const socket: Socket = req.socket
  // The server calls destroySoon() on the last response's socket once it is written; keep the socket
  // half-closed and unread for the linger time instead of destroying it at once.
  socket.destroySoon = function lingeringClose (this: Socket): void {
    this.end()
    // The server resumes the request on the next tick to discard its body; pause after that, before
    // the event loop polls the socket again.
    setImmediate(() => { this.pause() })
    setTimeout(() => { this.destroy() }, lingerMs).unref()
  }
}
