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
 *   relayed: a gossipsub mesh of degree 3 (2-4) without flood publishing, whatever the size. Every copy
 *   a node receives beyond the first is egress and CPU spent for nothing, and on a loaded machine a
 *   lazy peer asks (IWANT) for what it has not processed yet, so the mesh is kept narrow and lazy
 *   gossip to two peers. Measured on 30 nodes, 5 records/s, back to back (test/bench/scale.bench.ts;
 *   egress beyond the idle traffic, per node, over the payload rate): D 4 (3-6), Dlazy 3: 6.7x, p99
 *   4.3 s; D 3 (2-5), Dlazy 3: 5.5x, p99 2.0-4.8 s; D 3 (2-4), Dlazy 2: 4.2x, p99 0.8 s (load 30 on
 *   2 cores). A record crosses the network in about log2 n hops.
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
  // Dout < Dlo and Dout <= D / 2 (gossipsub's rules); Dhi close to D: peers grafting onto a node add
  // to the copies it sends; Dlazy 2: IHAVE for what a mesh peer missed, kept small because every IHAVE
  // lists the ids of the last three heartbeats' messages and may draw an IWANT for a full copy
  return { kind: 'mesh', floodPublish: false, D: 3, Dlo: 2, Dhi: 4, Dout: 1, Dscore: 1, Dlazy: 2 }
}
