/**
 * The peer directory: who this node talks to and whose records it accepts.
 *
 * Sources: AETHEL_P2P_BOOTSTRAP, AETHEL_LATTICE_NODES, AETHEL_MEMBERS and the peers file written by the
 * operator (`{"bootstrap": [...], "lattice_nodes": [...], "members": [...]}`, re-read when it changes).
 * The peers file lists every node of the network, this one included: the directory filters itself out.
 */
import type { Logger } from '../../../packages/log/src/index.js'

export interface PeerSnapshot {
  /** Multiaddrs ending in /p2p/<peerId>, self excluded, static entries first, no duplicates. */
  bootstrap: string[]
  /** Base URLs for HTTP sync (no trailing slash), self excluded. */
  latticeNodes: string[]
  /** Peer IDs allowed to originate records: self, AETHEL_MEMBERS, bootstrap peer IDs, the file's members. */
  members: string[]
}

export interface PeerDirectoryEvents {
  /** Emitted after the peers file changed and the merged view differs from the previous one. */
  change: (snapshot: PeerSnapshot) => void
}

export interface PeerDirectory {
  start(): Promise<void>
  stop(): Promise<void>
  snapshot(): PeerSnapshot
  bootstrap(): string[]
  latticeNodes(): string[]
  /** True for this node, AETHEL_MEMBERS, peers named in bootstrap multiaddrs and in the peers file. */
  isMember(origin: string): boolean
  /** Re-read the peers file now (also done on change); resolves with the new snapshot. */
  reload(): Promise<PeerSnapshot>
  on<E extends keyof PeerDirectoryEvents>(event: E, listener: PeerDirectoryEvents[E]): void
  off<E extends keyof PeerDirectoryEvents>(event: E, listener: PeerDirectoryEvents[E]): void
}

export interface PeerDirectoryInit {
  /** This node's peer ID (filters itself out of lists, always a member). */
  selfPeerId: string
  /** This node's own base URLs (e.g. its advertised URL), filtered out of lattice nodes. */
  selfUrls?: string[]
  /** AETHEL_P2P_BOOTSTRAP */
  bootstrap: string[]
  /** AETHEL_LATTICE_NODES */
  latticeNodes: string[]
  /** AETHEL_MEMBERS */
  members: string[]
  /** AETHEL_PEERS_FILE */
  peersFile?: string
  /**
   * How often the file's stat is polled, ms (default 1000). Polling, not inotify: Kubernetes updates a
   * mounted ConfigMap by swapping a symlink, which fs.watch on the file misses.
   */
  pollIntervalMs?: number
}

export interface PeerDirectoryComponents {
  logger: Logger
}
