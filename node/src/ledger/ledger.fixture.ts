/**
 * The ledger tests' shared set-up: four Ed25519 nodes, ledgers in a fresh temp dir per test, closed
 * and removed after it. Real SQLite files and real keys, as in production.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Registry } from 'prom-client'
import { createSilentLogger } from '../../../packages/log/src/index.js'
import { createLedger, type LedgerInit } from './ledger.js'
import { createRecordSigner, signRecord, type RecordSigner } from './record.js'
import type { Ledger, LedgerRecord, StoredRecord } from './interface.js'

export interface TestNode {
  key: PrivateKey
  id: string
  signer: RecordSigner
}

export interface LedgerOptions {
  members?: string[]
  registry?: Registry
  init?: Partial<LedgerInit>
  clock?: () => number
}

export interface LedgerFixture {
  /** Four nodes, made once per file. */
  readonly nodes: TestNode[]
  /** This test's temp dir. */
  readonly dir: string
  /** A ledger for `node` in this test's dir (no background integrity check unless init asks). */
  ledgerFor(node: TestNode, name: string, opts?: LedgerOptions): Promise<Ledger>
  /** Close a ledger the test is done with (the fixture would close it again otherwise). */
  close(l: Ledger): Promise<void>
  /** A ledger the test opened itself: closed after the test like the others. */
  adopt(l: Ledger): void
}

export async function makeNode (): Promise<TestNode> {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPrivateKey(key).toString()
  return { key, id, signer: createRecordSigner(key, id) }
}

/** Registers the jest hooks of a ledger test file; call once at its top level. */
export function useLedgerFixture (): LedgerFixture {
  const open: Ledger[] = []
  let nodes: TestNode[] = []
  let dir = ''
  const closeAll = async (): Promise<void> => {
    while (open.length > 0) await open.pop()?.close()
  }
  beforeAll(async () => {
    nodes = await Promise.all([makeNode(), makeNode(), makeNode(), makeNode()])
  })
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lattice-ledger-'))
  })
  afterEach(async () => {
    await closeAll()
    rmSync(dir, { recursive: true, force: true })
  })
  afterAll(async () => {
    await closeAll()
  })
  return {
    get nodes () { return nodes },
    get dir () { return dir },
    async ledgerFor (node, name, opts = {}) {
      const members = new Set(opts.members ?? nodes.map((n) => n.id))
      const components = { privateKey: node.key, isMember: (o: string) => members.has(o), logger: createSilentLogger(), ...(opts.registry !== undefined ? { registry: opts.registry } : {}), ...(opts.clock !== undefined ? { clock: opts.clock } : {}) }
      const l = await createLedger({ dbPath: join(dir, name), integrityCheckOnOpen: false, ...opts.init }, components)
      open.push(l)
      return l
    },
    adopt (l) {
      open.push(l)
    },
    async close (l) {
      await l.close()
      const i = open.indexOf(l)
      if (i >= 0) open.splice(i, 1)
    }
  }
}

export function shuffle<T> (arr: T[]): T[] {
  const a = arr.slice()
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

/** A stored record without this node's lsn: what another node would hold. */
export function strip (r: StoredRecord): LedgerRecord {
  const { lsn: _lsn, ...rest } = r
  return rest
}

/** A record signed by `node` at an arbitrary seq, bypassing its ledger (to build gaps and forks). */
export function forge (node: TestNode, seq: number, payload: unknown, key = 'k'): LedgerRecord {
  return signRecord({ origin: node.id, seq, ts: 1000 + seq, key, payload: payload as LedgerRecord['payload'] }, node.signer)
}

export async function metricValue (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get()
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val))
  return v?.value ?? 0
}
