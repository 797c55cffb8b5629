/**
 * Gossipsub's spreading as a function of the network's size (packages/contracts p2p-topology.ts says
 * who is connected to whom). Pure: the host applies it when libp2p starts.
 *
 * - `flood` (at most FLOOD_MAX_NODES nodes): every node is connected to every other, so flood
 *   publishing delivers a record in one hop and no mesh (D=0): a mesh would only add duplicate copies,
 *   each one Noise + pnet + Yamux work on both ends (measured 2-3x the propagation delay at 500
 *   records/s on 5 nodes). A peer that is not directly connected still gets every message by lazy
 *   gossip (IHAVE/IWANT to Dlazy peers each gossipsub heartbeat); heartbeat catch-up is the safety net.
 * - `mesh` (larger): each node is connected to a bounded set of neighbours, so messages must be
 *   relayed: a gossipsub mesh of degree 4 (3-6) without flood publishing. Each node sends a record to
 *   about D - 1 mesh peers (IDONTWANT, gossipsub 1.2, spares some of those for records over 512 bytes),
 *   so egress per node is about 3x the payload rate whatever the size, and a record crosses the
 *   network in about log3 n hops.
 */
import { FLOOD_MAX_NODES } from '../../../../packages/contracts/src/p2p-topology.js'

export type GossipTopologyKind = 'flood' | 'mesh'

export interface GossipTopology {
  kind: GossipTopologyKind
  floodPublish: boolean
  D: number
  Dlo: number
  Dhi: number
  Dout: number
  Dscore: number
  Dlazy: number
}

/** The topology for a network of `members` nodes (this one included). */
export function gossipTopology (members: number): GossipTopology {
  if (members <= FLOOD_MAX_NODES) {
    return { kind: 'flood', floodPublish: true, D: 0, Dlo: 0, Dhi: 0, Dout: 0, Dscore: 0, Dlazy: 4 }
  }
  // Dout < Dlo and Dout <= D / 2 (gossipsub's rules); Dlazy 3: IHAVE for what a mesh peer missed,
  // kept small because every IHAVE lists the ids of the last three heartbeats' messages
  return { kind: 'mesh', floodPublish: false, D: 4, Dlo: 3, Dhi: 6, Dout: 1, Dscore: 2, Dlazy: 3 }
}
