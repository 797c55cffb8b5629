/**
 * The peers file (the operator's ConfigMap key peers.json, the node's AETHEL_PEERS_FILE): bootstrap
 * multiaddrs ending in `/p2p/<peerId>`, base URLs of the nodes for HTTP sync, and the member peer IDs.
 * The operator writes it (serializePeersFile), the node reads it (parsePeersFile) and re-reads it when
 * it changes.
 *
 * `neighbours` (networks larger than FLOOD_MAX_NODES, p2p-topology.ts): per peer ID, the peer IDs of the
 * bootstrap entries that node keeps connected. One file serves the whole network, so it lists every
 * node and says who dials whom; a node named there dials only its neighbours, any other node (or a
 * file without the map) dials every bootstrap entry.
 */

export interface PeersFile {
  bootstrap: string[]
  lattice_nodes: string[]
  members: string[]
  neighbours?: Record<string, string[]>
}

/** The file's text as the operator writes it: indented JSON with a final newline. */
export function serializePeersFile (file: PeersFile): string {
  return JSON.stringify(file, null, 2) + '\n'
}

/**
 * Parse a peers file; entries are trimmed and empty ones dropped, a missing or null list is empty.
 * Throws (SyntaxError for bad JSON, Error naming the field for a bad shape); the caller says which file.
 */
export function parsePeersFile (text: string): PeersFile {
  const value: unknown = JSON.parse(text)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('expected a JSON object')
  }
  const obj = value as Record<string, unknown>
  return {
    bootstrap: stringList(obj, 'bootstrap'),
    lattice_nodes: stringList(obj, 'lattice_nodes'),
    members: stringList(obj, 'members'),
    ...neighboursOf(obj)
  }
}

function neighboursOf (obj: Record<string, unknown>): { neighbours?: Record<string, string[]> } {
  const v = obj.neighbours
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error('"neighbours" must be an object of peer ID lists')
  const map = v as Record<string, unknown>
  return { neighbours: Object.fromEntries(Object.keys(map).map(id => [id, stringList(map, id)])) }
}

/**
 * The bootstrap entries the node `selfPeerId` keeps connected: its neighbours when the file names
 * them, else all of them.
 */
export function bootstrapOf (file: PeersFile, selfPeerId: string): string[] {
  const mine = file.neighbours?.[selfPeerId]
  if (mine === undefined) return file.bootstrap
  const wanted = new Set(mine)
  return file.bootstrap.filter(addr => wanted.has(peerIdOfMultiaddr(addr) ?? ''))
}

function stringList (obj: Record<string, unknown>, field: string): string[] {
  const v = obj[field]
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) {
    throw new Error(`"${field}" must be an array of strings`)
  }
  return (v as string[]).map(s => s.trim()).filter(s => s.length > 0)
}

/** The peer ID a multiaddr names (the value after its last /p2p/ or /ipfs/), or undefined. */
export function peerIdOfMultiaddr (addr: string): string | undefined {
  const parts = addr.split('/')
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] === 'p2p' || parts[i] === 'ipfs') return parts[i + 1] !== '' ? parts[i + 1] : undefined
  }
  return undefined
}
