/**
 * The shape of the P2P network as a function of its size, shared by the operator (which peers each node
 * is told to keep connected) and the node (how gossipsub spreads a publish).
 *
 * Up to FLOOD_MAX_NODES nodes every node keeps every other connected and floods each publish to all of
 * them: one hop, no duplicates (what the propagation goals are measured on). Past that a full mesh
 * costs O(n) sends per record on the origin and O(n^2) connections, so each node keeps a bounded
 * neighbour set (a ring plus chords: connected, diameter about log2 n) and gossipsub relays along a
 * mesh of bounded degree.
 */

/** Networks of at most this many nodes are a full mesh with flood publishing. */
export const FLOOD_MAX_NODES = 8

/** Chords per node and direction beside the ring: neighbours are at most 2 * (1 + CHORDS). */
const CHORDS = 3

/**
 * Offsets of the ring with chords in a network of `count`: 1 and count^(1/4), count^(2/4), count^(3/4),
 * rounded, each used both ways. At most eight neighbours whatever the size; the ring (1) keeps the graph
 * connected, chords growing with the size keep its diameter within log2 n hops (3 at 30 and 50 nodes,
 * 7 at 500), where fixed chords (±2, ±4, ±8) would let it grow like n / 16.
 */
function chordOffsets (count: number): number[] {
  const offsets = new Set<number>()
  for (let j = 0; j <= CHORDS; j++) {
    const offset = Math.max(1, Math.round(Math.pow(count, j / (CHORDS + 1))))
    if (offset <= count / 2) offsets.add(offset)
  }
  return [...offsets]
}

/**
 * Positions (0 … count - 1, ascending) of the peers the node at `index` keeps connected in a network of
 * `count` nodes. Every other node up to FLOOD_MAX_NODES; beyond it the ring with chords (chordOffsets). Symmetric: j
 * is a neighbour of i exactly when i is a neighbour of j, so both ends agree on every connection.
 */
export function neighbourPositions (count: number, index: number): number[] {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`position ${index} outside a network of ${count}`)
  }
  const all = new Set<number>()
  if (count <= FLOOD_MAX_NODES) {
    for (let j = 0; j < count; j++) all.add(j)
  } else {
    for (const d of chordOffsets(count)) {
      all.add((index + d) % count)
      all.add((index - d + count) % count)
    }
  }
  all.delete(index)
  return [...all].sort((a, b) => a - b)
}
