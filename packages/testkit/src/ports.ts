import net from 'node:net'

/** A free TCP port on `host`, chosen by the OS (bind port 0, read it, close); used for ports that must survive restarts. */
export async function freePort (host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => { resolve(port) })
    })
  })
}

/**
 * A free TCP port below the kernel's ephemeral range (32768 and up), not in `taken` (which it joins): for
 * ports chosen long before their process listens (lattices started in waves), where an OS-chosen port
 * could meanwhile become the local port of an outgoing connection and the listen fail with EADDRINUSE.
 */
export async function freePortBelowEphemeral (taken: Set<number>, host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (taken.has(port)) continue
    const free = await new Promise<boolean>(resolve => {
      const srv = net.createServer()
      srv.unref()
      srv.once('error', () => { resolve(false) })
      srv.listen({ host, port, exclusive: true }, () => { srv.close(() => { resolve(true) }) })
    })
    if (free) {
      taken.add(port)
      return port
    }
  }
}

/** Whether something accepts TCP connections on host:port. */
export async function isListening (host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return await new Promise(resolve => {
    const sock = net.connect({ host, port })
    const done = (ok: boolean): void => { sock.destroy(); resolve(ok) }
    sock.setTimeout(timeoutMs, () => { done(false) })
    sock.once('connect', () => { done(true) })
    sock.once('error', () => { done(false) })
  })
}
