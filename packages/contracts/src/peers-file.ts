/**
 * The peers file (the operator's ConfigMap key peers.json, the node's AETHEL_PEERS_FILE): bootstrap
 * multiaddrs ending in `/p2p/<peerId>`, base URLs of the nodes for HTTP sync, and the member peer IDs.
 * The operator writes it (serializePeersFile), the node reads it (parsePeersFile) and re-reads it when
 * it changes.
 */

export interface PeersFile {
  bootstrap: string[]
  lattice_nodes: string[]
  members: string[]
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
    members: stringList(obj, 'members')
  }
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
