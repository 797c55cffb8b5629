/** Pure parsing and merging of peer sources (no I/O). */
import type { PeerSnapshot } from './interface.js'

export interface PeersFileContent {
  bootstrap: string[]
  lattice_nodes: string[]
  members: string[]
}

/** Parse the operator's peers file; throws a plain Error with the reason (the caller wraps it). */
export function parsePeersFile (text: string): PeersFileContent {
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

/** The peer ID a multiaddr names (the value after its last /p2p/), or undefined. */
export function peerIdOfMultiaddr (addr: string): string | undefined {
  const parts = addr.split('/')
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] === 'p2p' || parts[i] === 'ipfs') return parts[i + 1] !== '' ? parts[i + 1] : undefined
  }
  return undefined
}

export function normaliseUrl (url: string): string {
  return url.trim().replace(/\/+$/, '')
}

export interface MergeInput {
  selfPeerId: string
  selfUrls: string[]
  bootstrap: string[]
  latticeNodes: string[]
  members: string[]
  file?: PeersFileContent
}

/** Merge static config and the file: static entries first, duplicates and self removed. */
export function mergePeers (input: MergeInput): PeerSnapshot {
  const selfUrls = new Set(input.selfUrls.map(normaliseUrl))
  const bootstrap = unique([...input.bootstrap, ...(input.file?.bootstrap ?? [])])
    .filter(a => peerIdOfMultiaddr(a) !== input.selfPeerId)
  const latticeNodes = unique([...input.latticeNodes, ...(input.file?.lattice_nodes ?? [])].map(normaliseUrl))
    .filter(u => !selfUrls.has(u))
  const fromAddrs = [...input.bootstrap, ...(input.file?.bootstrap ?? [])]
    .map(peerIdOfMultiaddr)
    .filter((p): p is string => p !== undefined)
  const members = unique([input.selfPeerId, ...input.members, ...fromAddrs, ...(input.file?.members ?? [])])
  return { bootstrap, latticeNodes, members }
}

export function sameSnapshot (a: PeerSnapshot, b: PeerSnapshot): boolean {
  return sameList(a.bootstrap, b.bootstrap) && sameList(a.latticeNodes, b.latticeNodes) && sameList(a.members, b.members)
}

function sameList (a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

function unique (xs: string[]): string[] {
  return [...new Set(xs.map(s => s.trim()).filter(s => s.length > 0))]
}
