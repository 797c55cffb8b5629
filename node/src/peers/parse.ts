/** Pure merging of peer sources (no I/O); the peers file itself is packages/contracts peers-file.ts. */
import { bootstrapOf, peerIdOfMultiaddr, type PeersFile } from '../../../packages/contracts/src/peers-file.js'
import type { PeerSnapshot } from './interface.js'

export function normaliseUrl (url: string): string {
  return url.trim().replace(/\/+$/, '')
}

export interface MergeInput {
  selfPeerId: string
  selfUrls: string[]
  bootstrap: string[]
  latticeNodes: string[]
  members: string[]
  file?: PeersFile
}

/**
 * Merge static config and the file: static entries first, duplicates and self removed. Of the file's
 * bootstrap entries only this node's neighbours when the file names them (a large network); its
 * members are every node of the file either way.
 */
export function mergePeers (input: MergeInput): PeerSnapshot {
  const selfUrls = new Set(input.selfUrls.map(normaliseUrl))
  const fileBootstrap = input.file !== undefined ? bootstrapOf(input.file, input.selfPeerId) : []
  const bootstrap = unique([...input.bootstrap, ...fileBootstrap])
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
