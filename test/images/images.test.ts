/**
 * The built images, run through testcontainers on podman (test/images/podman.ts): three lattice-node
 * containers on a podman network form a lattice and converge; a container killed with SIGKILL and
 * started again on its volume keeps every acknowledged record; both images run as their non-root user
 * on a read-only root filesystem, hold only their own program's packages, carry the OCI labels, and
 * exit 2 naming a bad variable or flag. The test reaches the containers only on 127.0.0.1 (published
 * ports); the containers reach each other on their podman network, inside podman's namespaces.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Network, getContainerRuntimeClient, type StartedNetwork } from 'testcontainers'
import { repoRoot } from '../cluster/binaries.js'
import { prepareIdentity, request, writePskFile } from '../../packages/testkit/src/node/index.js'
import { converged, state, status, write } from '../sync/helpers.js'
import type { LedgerRecord } from '../../node/src/ledger/interface.js'
import { DATA_DIR, httpAddress, IMAGE_UID, killHard, LatticeContainer, p2pAddress, prepareNodeFiles, runToExit, startNodeContainer, type NodeContainer, type NodeFiles } from './containers.js'
import { buildImages, removeLeftovers, usePodmanApi, type BuiltImages } from './podman.js'

const VERSION = (JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version

/**
 * Run with `node -e` in place of the image's program: who it runs as, whether / and the data directory
 * take a write, whether a shell exists, and which packages the image holds.
 */
const PROBE = `
const fs = require('node:fs')
const attempt = file => { try { fs.writeFileSync(file, 'x'); fs.rmSync(file); return 'ok' } catch (e) { return e.code } }
const uidOfPid1 = (fs.readFileSync('/proc/1/status', 'utf8').match(/^Uid:\\s+(.*)$/m) || [])[1]
const modules = fs.readdirSync('/app/node_modules').flatMap(d => d.startsWith('@') ? fs.readdirSync('/app/node_modules/' + d).map(s => d + '/' + s) : [d])
console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), uidOfPid1, root: attempt('/probe'), data: fs.existsSync(process.argv[1]) ? attempt(process.argv[1] + '/probe') : 'absent', shell: fs.existsSync('/bin/sh'), modules }))
`
interface Probe { uid: number, gid: number, uidOfPid1: string, root: string, data: string, shell: boolean, modules: string[] }

function parseProbe (out: string): Probe {
  const line = out.split('\n').find(l => l.startsWith('{"uid"'))
  if (line === undefined) throw new Error(`no probe output in:\n${out}`)
  return JSON.parse(line) as Probe
}

async function probe (image: string): Promise<Probe> {
  const r = await runToExit(new LatticeContainer(image).withReadOnlyRootFilesystem().withEntrypoint(['/usr/local/bin/node']).withCommand(['-e', PROBE, DATA_DIR]))
  expect({ exitCode: r.exitCode, output: r.output }).toEqual({ exitCode: 0, output: expect.any(String) })
  return parseProbe(r.output)
}

let images: BuiltImages
let tmp = ''

beforeAll(async () => {
  await usePodmanApi()
  images = buildImages()
  await removeLeftovers()
  tmp = await mkdtemp(path.join(tmpdir(), 'lattice-images-'))
}, 35 * 60_000)

afterAll(async () => {
  // A container whose start failed is not in any handle: remove by label whatever is left.
  await removeLeftovers()
  if (tmp !== '') await rm(tmp, { recursive: true, force: true })
}, 120_000)

/** A data and a secrets directory under the test's temp dir, owned by the image's user. */
async function nodeFiles (name: string, token: string, psk?: Uint8Array): Promise<NodeFiles & { peerId: string }> {
  const files = { dataDir: path.join(tmp, name, 'data'), secretsDir: path.join(tmp, name, 'secrets') }
  const peerId = await prepareIdentity(files.dataDir)
  await prepareNodeFiles(files, token, psk)
  return { ...files, peerId }
}

describe('lattice-node image: three containers form a lattice', () => {
  let network: StartedNetwork | undefined
  const nodes: NodeContainer[] = []
  const peerIds: string[] = []

  beforeAll(async () => {
    network = await new Network().start()
    const token = randomBytes(24).toString('base64url')
    const psk = new Uint8Array(await readFile(await writePskFile(tmp)))
    const aliases = ['node-0', 'node-1', 'node-2']
    const specs = await Promise.all(aliases.map(async alias => await nodeFiles(`lattice-${alias}`, token, psk)))
    peerIds.push(...specs.map(s => s.peerId))
    const started = await Promise.all(specs.map(async (spec, i) => {
      const others = aliases.flatMap((alias, j) => j === i ? [] : [{ alias, peerId: peerIds[j] as string }])
      return await startNodeContainer({
        image: images.node,
        files: spec,
        token,
        network: { network: network as StartedNetwork, alias: aliases[i] as string },
        env: {
          AETHEL_P2P_BOOTSTRAP: others.map(o => p2pAddress(o.alias, o.peerId)).join(','),
          AETHEL_LATTICE_NODES: others.map(o => httpAddress(o.alias)).join(','),
          AETHEL_MEMBERS: peerIds.join(','),
          AETHEL_HEARTBEAT_INTERVAL: '1',
          AETHEL_LOG_LEVEL: 'warn'
        }
      })
    }))
    nodes.push(...started)
  }, 5 * 60_000)

  afterAll(async () => {
    await Promise.all(nodes.map(async n => await n.container.stop({ remove: true })))
    await network?.stop()
  }, 120_000)

  it('every node has the two others as P2P peers, each with the identity from its volume', async () => {
    await waitFor('three containers with two P2P peers each', async () => (await Promise.all(nodes.map(status))).every(s => s.peer_count === 2 && s.mode === 'P2P'), { timeoutMs: 120_000, intervalMs: 500 })
    const all = await Promise.all(nodes.map(status))
    expect(all.map(s => s.peer_id)).toEqual(peerIds)
    for (const [i, s] of all.entries()) expect(s.peers.map(p => p.peer_id).sort()).toEqual(peerIds.filter((_, j) => j !== i).sort())
  })

  it('a record written to each node is on all three, with one Merkle root', async () => {
    const ids: string[] = []
    for (const [i, node] of nodes.entries()) ids.push((await write(node, `container-${i}`)).id)
    await waitFor('every record on every container, equal roots', async () => await converged(nodes, ids), { timeoutMs: 120_000, intervalMs: 500 })
    const states = await Promise.all(nodes.map(state))
    expect(new Set(states.map(s => s.merkle_root)).size).toBe(1)
    expect(states.map(s => s.record_count)).toEqual([3, 3, 3])
  })
})

describe('lattice-node image: durability, user, filesystem', () => {
  const token = randomBytes(24).toString('base64url')
  let node: NodeContainer | undefined
  afterAll(async () => { await node?.container.stop({ remove: true }) }, 120_000)

  it('keeps every acknowledged record when killed with SIGKILL and started again on its volume', async () => {
    const files = await nodeFiles('durable', token)
    const env = { AETHEL_P2P_ENABLED: 'false', AETHEL_LOG_LEVEL: 'warn' }
    const first = await startNodeContainer({ image: images.node, files, token, env })
    node = first
    const acknowledged: LedgerRecord[] = []
    let killed = false
    // 8 writers until the container dies under them; every 201 must be there afterwards.
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !killed; i++) {
        try {
          const res = await request<LedgerRecord>(`${first.url}/api/lattice/records`, { body: { key: `w${w}/${i}`, payload: { w, i } }, token, timeoutMs: 30_000 })
          if (res.status === 201) acknowledged.push(res.body)
        } catch {
          return
        }
      }
    }
    const writers = Array.from({ length: 8 }, async (_, w) => await writer(w))
    await waitFor('200 acknowledged writes', () => acknowledged.length >= 200, { timeoutMs: 120_000 })
    await killHard(first.container)
    killed = true
    await Promise.all(writers)
    await first.container.stop({ remove: true })
    node = undefined

    const again = await startNodeContainer({ image: images.node, files, token, env })
    node = again
    expect((await status(again)).peer_id).toBe(files.peerId)
    const missing: string[] = []
    for (const rec of acknowledged) {
      const res = await again.api<LedgerRecord>(`/api/lattice/records/${rec.id}`)
      if (res.status !== 200 || JSON.stringify(res.body) !== JSON.stringify(rec)) missing.push(rec.id)
    }
    expect({ acknowledged: acknowledged.length >= 200, missing }).toEqual({ acknowledged: true, missing: [] })
    expect((await state(again)).record_count).toBeGreaterThanOrEqual(acknowledged.length)
  }, 10 * 60_000)

  it('runs as its non-root user on a read-only root filesystem; only its data directory takes writes', async () => {
    const running = node as NodeContainer
    const inspect = await (await getContainerRuntimeClient()).container.getById(running.container.getId()).inspect()
    expect(inspect.Config.User).toBe(`${IMAGE_UID}:${IMAGE_UID}`)
    expect(inspect.HostConfig.ReadonlyRootfs).toBe(true)
    const r = await running.container.exec(['/usr/local/bin/node', '-e', PROBE, DATA_DIR])
    expect(r.exitCode).toBe(0)
    const p = parseProbe(r.output)
    // The daemon itself (PID 1) and a process started beside it: real, effective, saved, fs uid.
    expect(p.uidOfPid1.split(/\s+/)).toEqual(Array(4).fill(String(IMAGE_UID)))
    expect({ uid: p.uid, gid: p.gid }).toEqual({ uid: IMAGE_UID, gid: IMAGE_UID })
    expect(p.root).toBe('EROFS')
    expect(p.data).toBe('ok')
  }, 120_000)
})

describe.each([
  ['node', 'lattice-node', ['libp2p', '@libp2p/tcp', '@libp2p/gossipsub', 'express', 'prom-client', 'winston'], ['@kubernetes/client-node']],
  ['operator', 'lattice-operator', ['@kubernetes/client-node', 'prom-client', 'winston'], ['libp2p', '@libp2p/tcp', '@libp2p/gossipsub', 'express']]
] as const)('%s image', (program, title, has, hasNot) => {
  const image = (): string => images[program]
  const DEV_ONLY = ['jest', 'typescript', 'node', 'testcontainers', 'playwright-core', '@types/node']

  it(`holds ${title}'s production packages only, no shell; runs as ${IMAGE_UID} on a read-only root`, async () => {
    const p = await probe(image())
    for (const name of has) expect({ name, present: p.modules.includes(name) }).toEqual({ name, present: true })
    for (const name of [...hasNot, ...DEV_ONLY]) expect({ name, present: p.modules.includes(name) }).toEqual({ name, present: false })
    expect(p.shell).toBe(false)
    expect({ uid: p.uid, gid: p.gid }).toEqual({ uid: IMAGE_UID, gid: IMAGE_UID })
    expect(p.root).toBe('EROFS')
  }, 5 * 60_000)

  it('carries the OCI labels', async () => {
    const info = await (await getContainerRuntimeClient()).container.dockerode.getImage(image()).inspect()
    const labels = info.Config.Labels ?? {}
    expect(labels['org.opencontainers.image.title']).toBe(title)
    expect(labels['org.opencontainers.image.version']).toBe(VERSION)
    expect(labels['org.opencontainers.image.licenses']).toBe('Apache-2.0')
    expect(labels['org.opencontainers.image.source']).toMatch(/^https:\/\//)
    expect(labels['org.opencontainers.image.revision']).toMatch(/^([0-9a-f]{40}(-dirty)?|unknown)$/)
    expect(Date.parse(labels['org.opencontainers.image.created'] ?? '')).toBeGreaterThan(Date.parse('2020-01-01'))
  })

  it('--help prints the usage and exits 0', async () => {
    const r = await runToExit(new LatticeContainer(image()).withReadOnlyRootFilesystem().withCommand(['--help']))
    expect(r.exitCode).toBe(0)
    expect(r.output).toContain(`Usage: ${title}`)
  }, 5 * 60_000)
})

describe('a bad setting stops the program with exit code 2 and names it', () => {
  it.each([
    ['node', 'a variable', { AETHEL_HEARTBEAT_INTERVAL: 'soon' }, [], 'AETHEL_HEARTBEAT_INTERVAL'],
    ['node', 'a flag', {}, ['--sync-mode=sideways'], 'AETHEL_SYNC_MODE'],
    ['operator', 'a variable', { LATTICE_ADDRESS_MODE: 'carrier-pigeon' }, [], 'LATTICE_ADDRESS_MODE'],
    ['operator', 'an unknown flag', {}, ['--bogus-flag'], '--bogus-flag']
  ] as const)('lattice-%s, %s', async (program, _what, env, args, named) => {
    const r = await runToExit(new LatticeContainer(images[program]).withReadOnlyRootFilesystem().withEnvironment(env).withCommand([...args]))
    expect(r.exitCode).toBe(2)
    expect(r.output).toContain(named)
  }, 5 * 60_000)
})
