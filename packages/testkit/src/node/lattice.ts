/** Lattices of real node processes that know each other (the sync, chaos, TLS and dashboard suites). */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { disposeDir, tempDir } from '../artifacts.js'
import { freePort, freePortBelowEphemeral } from '../ports.js'
import { waitFor } from '../wait.js'
import { prepareIdentity, startNodeProcess, writePskFile, type NodeProcess, type NodeProcessOptions } from './process.js'

export interface LatticeOptions {
  /** Sync timings etc. for every node (e.g. short timeouts in tests). */
  env?: Record<string, string>
  /** Per-node overrides by index. */
  nodeEnv?: (index: number) => Record<string, string>
  /** Use a private-network key (default true). */
  psk?: boolean
  /** HTTPS per node (files by index); lattice node URLs become https://. */
  tls?: (index: number) => NonNullable<NodeProcessOptions['tls']>
  /** Where node i runs (default: 127.0.0.1 on free ports, in this network namespace). */
  placement?: (index: number) => { host: string, httpPort: number, p2pPort: number, wrap?: string[] }
  /**
   * The positions of the bootstrap peers of the node at `index` among `count` (default: every other node). Pass
   * `neighbourPositions` (packages/contracts p2p-topology.ts) for the operator's bounded sets.
   */
  bootstrap?: (count: number, index: number) => number[]
  /** Nodes started at the same time (default all): large lattices start in waves on a small machine. */
  startConcurrency?: number
}

export interface Lattice {
  readonly dir: string
  readonly nodes: NodeProcess[]
  readonly token: string
  readonly pskFile?: string
  /** Kill every node (SIGKILL) and dispose of the directory (kept when a test failed while it ran: artifacts.ts). */
  destroy(): Promise<void>
  /** Replace node i's handle (after a restart). */
  replace(index: number, node: NodeProcess): void
}

/**
 * N real node processes (on 127.0.0.1 unless placed elsewhere) that know each other: each gets the others as bootstrap peers
 * (or the ones `bootstrap` names), lattice nodes and members, one shared token and one shared pre-shared key.
 */
export async function startLattice (n: number, options: LatticeOptions = {}): Promise<Lattice> {
  const dir = await tempDir('lattice-')
  const token = randomBytes(24).toString('base64url')
  const pskFile = options.psk === false ? undefined : await writePskFile(dir)
  // nodes started in waves listen long after their ports were chosen: outside the ephemeral range then
  const taken = new Set<number>()
  const inWavesOf = options.startConcurrency ?? n
  const ports = async (): Promise<{ httpPort: number, p2pPort: number }> => inWavesOf < n
    ? { httpPort: await freePortBelowEphemeral(taken), p2pPort: await freePortBelowEphemeral(taken) }
    : { httpPort: await freePort(), p2pPort: await freePort() }
  const specs = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const dataDir = path.join(dir, `node-${i}`)
    const where = options.placement?.(i) ?? { host: '127.0.0.1', ...await ports() }
    return { dataDir, peerId: await prepareIdentity(dataDir), ...where }
  }))
  const nodes: NodeProcess[] = []
  const lattice: Lattice = {
    dir,
    nodes,
    token,
    pskFile,
    async destroy () {
      await Promise.all(nodes.filter(node => node !== undefined).map(async node => node.kill('SIGKILL')))
      await disposeDir(dir)
    },
    replace (index, node) { nodes[index] = node }
  }
  try {
    await inWaves(specs.length, inWavesOf, async (i) => {
      const spec = specs[i]
      const others = specs.filter((_, j) => j !== i)
      const peers = options.bootstrap !== undefined ? options.bootstrap(n, i).map(j => specs[j]) : others
      nodes[i] = await startNodeProcess({
        dataDir: spec.dataDir,
        host: spec.host,
        ...(spec.wrap !== undefined ? { wrap: spec.wrap } : {}),
        httpPort: spec.httpPort,
        p2pPort: spec.p2pPort,
        token,
        pskFile,
        ...(options.tls !== undefined ? { tls: options.tls(i) } : {}),
        env: {
          AETHEL_P2P_BOOTSTRAP: peers.map(o => `/ip4/${o.host}/tcp/${o.p2pPort}/p2p/${o.peerId}`).join(','),
          AETHEL_LATTICE_NODES: others.map(o => `${options.tls !== undefined ? 'https' : 'http'}://${o.host}:${o.httpPort}`).join(','),
          AETHEL_MEMBERS: specs.map(s => s.peerId).join(','),
          ...options.env,
          ...options.nodeEnv?.(i)
        }
      })
    })
  } catch (err) {
    await stopNodes(lattice)
    throw err
  }
  return lattice
}

export interface ConnectedLatticeOptions extends LatticeOptions {
  /** How long the nodes may take to find each other (default 60 s). */
  connectTimeoutMs?: number
}

/**
 * startLattice, returned once every node has the n - 1 others (or its bootstrap peers) as peers and is in P2P mode. When that
 * does not happen the nodes are killed and the error thrown; the directory stays registered, so the
 * failure dump keeps it (artifacts.ts).
 */
export async function startConnectedLattice (n: number, options: ConnectedLatticeOptions = {}): Promise<Lattice> {
  const lattice = await startLattice(n, options)
  try {
    await waitFor(`${n} nodes connected to each other in P2P mode`, async () => {
      const all = await Promise.all(lattice.nodes.map(async node => (await node.api<{ peer_count: number, mode: string }>('/api/lattice/p2p/status', { auth: false })).body))
      return all.every((s, i) => s.peer_count >= (options.bootstrap?.(n, i).length ?? n - 1) && s.mode === 'P2P')
    }, { timeoutMs: options.connectTimeoutMs ?? 60_000, intervalMs: 200 })
  } catch (err) {
    await stopNodes(lattice)
    throw err
  }
  return lattice
}

/** Run start(0 … count - 1) with at most `concurrency` at once. */
async function inWaves (count: number, concurrency: number, start: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await start(next++)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker))
}

async function stopNodes (lattice: Lattice): Promise<void> {
  await Promise.all(lattice.nodes.filter(node => node !== undefined).map(async node => await node.kill('SIGKILL')))
}
