import { describe, expect, it } from '@jest/globals'
import { pinnedListenAddrs } from './listen-ports.js'

describe('pinnedListenAddrs', () => {
  it('replaces port 0 with the port bound on the same host and family, and keeps fixed ports', () => {
    const bound = ['/ip4/127.0.0.1/tcp/40123/p2p/x', '/ip6/::1/tcp/40124']
    expect(pinnedListenAddrs(['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/0', '/ip4/0.0.0.0/tcp/4001'], bound))
      .toEqual(['/ip4/127.0.0.1/tcp/40123', '/ip6/::1/tcp/40124', '/ip4/0.0.0.0/tcp/4001'])
  })

  it('falls back to any bound address of the family (0.0.0.0 binds every interface) and leaves an unbound family alone', () => {
    expect(pinnedListenAddrs(['/ip4/0.0.0.0/tcp/0'], ['/ip4/10.0.0.5/tcp/5000'])).toEqual(['/ip4/0.0.0.0/tcp/5000'])
    expect(pinnedListenAddrs(['/ip6/::/tcp/0'], ['/ip4/10.0.0.5/tcp/5000'])).toEqual(['/ip6/::/tcp/0'])
  })
})
