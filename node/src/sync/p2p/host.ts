/** The libp2p node of a lattice node: TCP, Noise, Yamux, pnet, identify, ping, gossipsub. */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, StrictNoSign, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { boundPnetCipher } from './pnet-cipher.js'
import type { GossipTopology } from './topology.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Identify } from '@libp2p/identify'

export type LatticeLibp2p = Libp2p<{ identify: Identify, ping: Ping, pubsub: GossipSub }>

export interface HostInit {
  privateKey: PrivateKey
  listen: string[]
  /** Contents of the pnet key file (`/key/swarm/psk/1.0.0/` …); none = public network. */
  psk?: Uint8Array
  /** How gossipsub spreads a publish (topology.ts: flood in small networks, a mesh in large ones). */
  topology: GossipTopology
}

export async function createHost (init: HostInit): Promise<LatticeLibp2p> {
  if (init.psk !== undefined) boundPnetCipher()
  return await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(init.psk !== undefined ? { connectionProtector: preSharedKey({ psk: init.psk }) } : {}),
    // the reconnect loop of the sync service dials the bootstrap peers itself (no autodialer in libp2p 3)
    connectionManager: { maxConnections: 200 },
    // the transport pings every peer each heartbeat interval and hangs up silent ones (transport.ts)
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // records carry their origin's signature and heartbeats carry their sender's: libp2p message
        // signing would sign and verify every record a second time, the receiver's likely bottleneck
        globalSignaturePolicy: StrictNoSign,
        // a node alone (or its peers' subscriptions not yet known) must still accept writes
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        floodPublish: init.topology.floodPublish,
        // encode a published message once for all peers instead of once per peer
        batchPublish: true,
        // several nodes on one host or behind one NAT share an IP: never score them down for it
        scoreParams: {
          IPColocationFactorWeight: 0,
          IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1'])
        },
        // small networks: no mesh, every publish flooded to every (directly connected) node; large
        // ones: a mesh of bounded degree relays (topology.ts says why)
        D: init.topology.D,
        Dlo: init.topology.Dlo,
        Dhi: init.topology.Dhi,
        Dout: init.topology.Dout,
        Dscore: init.topology.Dscore,
        Dlazy: init.topology.Dlazy,
        heartbeatInterval: 700,
        // a mesh of a few nodes: never leave the topic's mesh for too long after a restart
        pruneBackoff: 5_000,
        unsubcribeBackoff: 1_000,
        fallbackToFloodsub: false
      })
    }
  })
}
