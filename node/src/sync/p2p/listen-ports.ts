/**
 * After libp2p started on port 0, the listen addresses with the port the OS gave: a restart (P2P
 * switched off and on, a new gossip topology) listens on the same port, the one peers have.
 */
export function pinnedListenAddrs (listen: readonly string[], bound: readonly string[]): string[] {
  return listen.map(addr => {
    if (!/\/tcp\/0(\/|$)/.test(addr)) return addr
    const family = addr.startsWith('/ip6/') ? '/ip6/' : '/ip4/'
    const host = addr.split('/')[2]
    const match = bound.find(b => b.startsWith(`${family}${host}/tcp/`)) ?? bound.find(b => b.startsWith(family))
    const port = match?.split('/')[4]
    return port !== undefined ? addr.replace(/\/tcp\/0(\/|$)/, `/tcp/${port}$1`) : addr
  })
}
