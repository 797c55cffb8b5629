import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import { bucketOf, createMerkleTree, EMPTY_ROOT, MERKLE_BUCKETS, MERKLE_DEPTH, StaleMerkleUpdateError } from './merkle.js'

const randomId = (): string => randomBytes(32).toString('hex')

function shuffle<T> (arr: T[]): T[] {
  const a = arr.slice()
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

describe('bucketed Merkle tree', () => {
  it('has a fixed empty root, equal to a tree whose ids were all removed', () => {
    expect(createMerkleTree().root()).toBe(EMPTY_ROOT)
    // The empty root is the 12-level tree over SHA-256('') leaves.
    let h = createHash('sha256').update('').digest()
    for (let l = 0; l < MERKLE_DEPTH; l++) h = createHash('sha256').update(Buffer.concat([h, h])).digest()
    expect(EMPTY_ROOT).toBe(h.toString('hex'))
    const t = createMerkleTree()
    const id = randomId()
    t.insert(id)
    expect(t.root()).not.toBe(EMPTY_ROOT)
    t.remove(id)
    expect(t.root()).toBe(EMPTY_ROOT)
    expect(t.size).toBe(0)
  })

  it('gives equal roots for equal sets in any order, and ignores re-inserts', () => {
    const ids = Array.from({ length: 5000 }, randomId)
    const a = createMerkleTree(ids)
    const b = createMerkleTree()
    for (const id of shuffle(ids)) {
      b.insert(id)
      if (Math.random() < 0.1) b.root()
    }
    expect(b.insert(ids[0])).toBe(false)
    const c = createMerkleTree()
    c.bulkLoad(shuffle(ids))
    expect(a.root()).toBe(b.root())
    expect(c.root()).toBe(a.root())
    expect(a.size).toBe(5000)
    expect(c.size).toBe(5000)
  })

  it('gives different roots for different sets', () => {
    const ids = Array.from({ length: 1000 }, randomId)
    const a = createMerkleTree(ids)
    const b = createMerkleTree(ids.slice(1))
    const c = createMerkleTree([...ids.slice(1), randomId()])
    expect(a.root()).not.toBe(b.root())
    expect(a.root()).not.toBe(c.root())
  })

  it('hashes a bucket as SHA-256 over its sorted ids', () => {
    const t = createMerkleTree()
    const ids = ['abcd' + '1'.repeat(60), 'abcd' + '0'.repeat(60)]
    for (const id of ids) t.insert(id)
    const b = bucketOf(ids[0])
    expect(b).toBe(0xabcd)
    expect(t.bucketIds(b)).toEqual([...ids].sort())
    expect(t.levelHashes(MERKLE_DEPTH)[b]).toBe(createHash('sha256').update([...ids].sort().join('')).digest('hex'))
    expect(t.levelHashes(MERKLE_DEPTH)).toHaveLength(MERKLE_BUCKETS)
    expect(t.levelHashes(0)).toEqual([t.root()])
  })

  it('prepareInsert computes the future root without changing the tree, then applies it', () => {
    const t = createMerkleTree(Array.from({ length: 2000 }, randomId))
    const before = t.root()
    const extra = Array.from({ length: 50 }, randomId)
    const prepared = t.prepareInsert([...extra, extra[0]])
    expect(t.root()).toBe(before)
    expect(prepared.added).toBe(50)
    expect(prepared.root).not.toBe(before)
    prepared.apply()
    expect(t.root()).toBe(prepared.root)
    expect(t.size).toBe(2050)
    const check = createMerkleTree()
    for (let b = 0; b < MERKLE_BUCKETS; b++) for (const id of t.bucketIds(b)) check.insert(id)
    expect(check.root()).toBe(t.root())
    const stale = t.prepareInsert([randomId()])
    t.insert(randomId())
    expect(() => { stale.apply() }).toThrow(StaleMerkleUpdateError)
  })
})
