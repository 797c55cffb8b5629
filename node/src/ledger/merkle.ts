/**
 * An order-independent Merkle tree over record ids.
 *
 * Ids go into 65,536 buckets by their first 4 hex digits. A bucket's hash is SHA-256 over the
 * concatenation of its ids (lowercase hex, sorted); the tree is a complete binary tree of depth 16
 * over the bucket hashes, an inner node's hash being SHA-256(left ‖ right) of the raw 32-byte child
 * hashes. Equal sets of ids give equal roots whatever the insertion order, and the empty tree has a
 * fixed root (EMPTY_ROOT).
 *
 * Why 65,536 buckets: a bucket is rehashed whole when it changes, so its size is the cost of an
 * insert. At 1,000,000 ids a bucket holds ~15 ids (~1 KB to hash) instead of ~250 with 4,096
 * buckets, and the extra 4 levels cost 4 hashes of 64 bytes. Node hashes of a level live in one
 * contiguous buffer, so the two children of a node are hashed in place.
 *
 * Inserts only mark their bucket dirty; root() rehashes dirty buckets and their paths, so the root
 * after one insert into a million ids costs one small bucket hash plus 16 hashes of 64 bytes.
 * Pure: no I/O.
 */
import { hash } from 'node:crypto'

export const MERKLE_PREFIX_DIGITS = 4
export const MERKLE_DEPTH = 16
export const MERKLE_BUCKETS = 1 << MERKLE_DEPTH
const H = 32

export interface MerkleTree {
  /** Adds an id; false when it was already present. */
  insert(id: string): boolean
  /** Removes an id; false when it was absent. */
  remove(id: string): boolean
  has(id: string): boolean
  /** Hex root hash; recomputes only what changed since the last call. */
  root(): string
  readonly size: number
  /** All node hashes of one level, hex (level 0 = [root], MERKLE_DEPTH = the 4096 bucket hashes). */
  levelHashes(level: number): string[]
  /** The sorted ids of one bucket. */
  bucketIds(bucket: number): readonly string[]
  /**
   * The root the tree would have with `ids` added, without changing the tree; apply() then makes it
   * so at no extra cost. Lets a writer store the new root in the same transaction as the records and
   * publish it only after the commit succeeded.
   */
  prepareInsert(ids: readonly string[]): PreparedMerkleUpdate
}

export interface PreparedMerkleUpdate {
  readonly root: string
  /** How many of the ids were new. */
  readonly added: number
  /** Publish the update; throws if the tree changed since prepareInsert. */
  apply(): void
}

/** prepareInsert's update was applied to a tree that had changed in between. */
export class StaleMerkleUpdateError extends Error {
  static readonly NAME = 'StaleMerkleUpdateError'
  constructor () {
    super('the merkle tree changed between prepareInsert and apply')
    this.name = StaleMerkleUpdateError.NAME
  }
}

/** The bucket of an id: its first 4 hex digits as a number (decoded by hand: this runs per id at cold start). */
export function bucketOf (id: string): number {
  let b = 0
  for (let i = 0; i < MERKLE_PREFIX_DIGITS; i++) {
    const c = id.charCodeAt(i)
    const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1
    if (v < 0) throw new RangeError(`not a hex record id: ${id.slice(0, 16)}`)
    b = (b << 4) | v
  }
  return b
}

/** One-shot crypto.hash: about 3x faster than createHash for the small inputs of a tree. */
function sha256 (data: Buffer | string): Buffer {
  return hash('sha256', data, 'buffer')
}

/** Hashes of empty subtrees per level: EMPTY[level] is the hash of an empty node at that level. */
const EMPTY: Buffer[] = (() => {
  const out = new Array<Buffer>(MERKLE_DEPTH + 1)
  out[MERKLE_DEPTH] = sha256('')
  for (let l = MERKLE_DEPTH - 1; l >= 0; l--) out[l] = sha256(Buffer.concat([out[l + 1], out[l + 1]]))
  return out
})()

/** The root of the empty tree. */
export const EMPTY_ROOT = EMPTY[0].toString('hex')

function lowerBound (arr: string[], id: string): number {
  let lo = 0
  let hi = arr.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (arr[mid] < id) lo = mid + 1
    else hi = mid
  }
  return lo
}

class BucketedMerkleTree implements MerkleTree {
  private readonly buckets: string[][] = Array.from({ length: MERKLE_BUCKETS }, () => [])
  /** levels[l]: the 2^l node hashes of level l, 32 bytes each, contiguous. */
  private readonly levels: Buffer[]
  private readonly dirty = new Set<number>()
  /** Buckets filled by bulk loading, not yet sorted. */
  private readonly unsorted = new Set<number>()
  private count = 0
  /** Bumped on every change, so a prepared update can tell it is stale. */
  private version = 0

  constructor () {
    this.levels = []
    // fill() with a 32-byte buffer repeats it: every node starts as the empty subtree of its level.
    for (let l = 0; l <= MERKLE_DEPTH; l++) this.levels.push(Buffer.alloc((1 << l) * H).fill(EMPTY[l]))
  }

  get size (): number {
    return this.count
  }

  insert (id: string): boolean {
    const b = bucketOf(id)
    const bucket = this.buckets[b]
    if (this.unsorted.has(b)) this.sortBucket(b)
    const at = lowerBound(bucket, id)
    if (bucket[at] === id) return false
    if (at === bucket.length) bucket.push(id)
    else bucket.splice(at, 0, id)
    this.count++
    this.version++
    this.dirty.add(b)
    return true
  }

  /**
   * Append ids known to be distinct without keeping buckets sorted: the cold-start path. Buckets are
   * sorted once, on the next root() or lookup.
   */
  bulkLoad (ids: Iterable<string>): void {
    const touched = new Uint8Array(MERKLE_BUCKETS)
    for (const id of ids) {
      const b = bucketOf(id)
      this.buckets[b].push(id)
      touched[b] = 1
      this.count++
    }
    for (let b = 0; b < MERKLE_BUCKETS; b++) {
      if (touched[b] === 1) {
        this.unsorted.add(b)
        this.dirty.add(b)
      }
    }
    this.version++
  }

  remove (id: string): boolean {
    const b = bucketOf(id)
    const bucket = this.buckets[b]
    if (this.unsorted.has(b)) this.sortBucket(b)
    const at = lowerBound(bucket, id)
    if (bucket[at] !== id) return false
    bucket.splice(at, 1)
    this.count--
    this.version++
    this.dirty.add(b)
    return true
  }

  has (id: string): boolean {
    const b = bucketOf(id)
    if (this.unsorted.has(b)) this.sortBucket(b)
    const bucket = this.buckets[b]
    return bucket[lowerBound(bucket, id)] === id
  }

  private sortBucket (b: number): void {
    const bucket = this.buckets[b]
    bucket.sort()
    // Bulk loading trusts its caller; collapse accidental duplicates so size and hashes stay honest.
    let w = 0
    for (let r = 0; r < bucket.length; r++) {
      if (r === 0 || bucket[r] !== bucket[r - 1]) bucket[w++] = bucket[r]
    }
    this.count -= bucket.length - w
    bucket.length = w
    this.unsorted.delete(b)
  }

  root (): string {
    this.refresh()
    return this.levels[0].toString('hex')
  }

  private refresh (): void {
    if (this.dirty.size === 0) return
    const leaves = this.levels[MERKLE_DEPTH]
    let parents = new Set<number>()
    for (const b of this.dirty) {
      if (this.unsorted.has(b)) this.sortBucket(b)
      const bucket = this.buckets[b]
      const hash = bucket.length === 0 ? EMPTY[MERKLE_DEPTH] : sha256(bucket.join(''))
      hash.copy(leaves, b * H)
      parents.add(b >>> 1)
    }
    const rebuildAll = this.dirty.size > MERKLE_BUCKETS / 16
    this.dirty.clear()
    if (rebuildAll) {
      // After a bulk load most nodes changed: recompute every inner node without tracking sets.
      for (let l = MERKLE_DEPTH - 1; l >= 0; l--) {
        const level = this.levels[l]
        const below = this.levels[l + 1]
        for (let i = 0; i < (1 << l); i++) sha256(below.subarray(2 * i * H, (2 * i + 2) * H)).copy(level, i * H)
      }
      return
    }
    for (let l = MERKLE_DEPTH - 1; l >= 0; l--) {
      const level = this.levels[l]
      const below = this.levels[l + 1]
      const next = new Set<number>()
      for (const i of parents) {
        // The two children are adjacent: hash them in place.
        sha256(below.subarray(2 * i * H, (2 * i + 2) * H)).copy(level, i * H)
        next.add(i >>> 1)
      }
      parents = next
    }
  }

  levelHashes (level: number): string[] {
    checkLevel(level)
    this.refresh()
    const out = new Array<string>(1 << level)
    const buf = this.levels[level]
    for (let i = 0; i < out.length; i++) out[i] = buf.toString('hex', i * H, (i + 1) * H)
    return out
  }

  bucketIds (bucket: number): readonly string[] {
    if (this.unsorted.has(bucket)) this.sortBucket(bucket)
    return this.buckets[bucket]
  }

  prepareInsert (ids: readonly string[]): PreparedMerkleUpdate {
    this.refresh()
    const newBuckets = new Map<number, string[]>()
    let added = 0
    for (const id of ids) {
      const b = bucketOf(id)
      let bucket = newBuckets.get(b)
      if (bucket === undefined) {
        bucket = this.buckets[b].slice()
        newBuckets.set(b, bucket)
      }
      const at = lowerBound(bucket, id)
      if (bucket[at] === id) continue
      bucket.splice(at, 0, id)
      added++
    }
    // Changed node hashes per level, layered over the current ones.
    const changed: Array<Map<number, Buffer>> = Array.from({ length: MERKLE_DEPTH + 1 }, () => new Map())
    let parents = new Set<number>()
    for (const [b, bucket] of newBuckets) {
      changed[MERKLE_DEPTH].set(b, bucket.length === 0 ? EMPTY[MERKLE_DEPTH] : sha256(bucket.join('')))
      parents.add(b >>> 1)
    }
    const at = (l: number, i: number): Buffer => changed[l].get(i) ?? this.levels[l].subarray(i * H, (i + 1) * H)
    for (let l = MERKLE_DEPTH - 1; l >= 0; l--) {
      const next = new Set<number>()
      for (const i of parents) {
        changed[l].set(i, sha256(Buffer.concat([at(l + 1, 2 * i), at(l + 1, 2 * i + 1)])))
        next.add(i >>> 1)
      }
      parents = next
    }
    const root = at(0, 0).toString('hex')
    const version = this.version
    return {
      root,
      added,
      apply: () => {
        if (this.version !== version) throw new StaleMerkleUpdateError()
        for (const [b, bucket] of newBuckets) this.buckets[b] = bucket
        for (let l = 0; l <= MERKLE_DEPTH; l++) for (const [i, h] of changed[l]) h.copy(this.levels[l], i * H)
        this.count += added
        this.version++
      }
    }
  }
}

function checkLevel (level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MERKLE_DEPTH) throw new RangeError(`merkle level must be 0..${MERKLE_DEPTH}`)
}

export interface MerkleTreeWithBulk extends MerkleTree {
  bulkLoad(ids: Iterable<string>): void
}

export function createMerkleTree (ids?: Iterable<string>): MerkleTreeWithBulk {
  const tree = new BucketedMerkleTree()
  if (ids !== undefined) for (const id of ids) tree.insert(id)
  return tree
}
