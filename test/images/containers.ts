/**
 * Lattice containers through testcontainers: what GenericContainer has no method for (a read-only
 * root filesystem, ports published on loopback only, waiting for a container to exit with any code),
 * and lattice-node containers with their data directory and secrets bind-mounted from the host.
 */
import { chmod, chown, mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { GenericContainer, getContainerRuntimeClient, StartupCheckStrategy, Wait, type StartedNetwork, type StartedTestContainer, type StartupStatus } from 'testcontainers'
import type Dockerode from 'dockerode'
import { NODE_UID, PATHS } from '../../operator/src/api/constants.js'
import { request } from '../../packages/testkit/src/node/index.js'
import type { NodeApi } from '../sync/helpers.js'
import { TEST_LABEL } from './podman.js'

/** The images' user (node/Dockerfile, operator/Dockerfile): the uid the operator's pods run as. */
export const IMAGE_UID = NODE_UID
/** Where the node image keeps its data (AETHEL_DATA_DIR), as in the operator's pods. */
export const DATA_DIR = PATHS.dataDir
const HTTP_PORT = 8080
const P2P_PORT = 9000

export class LatticeContainer extends GenericContainer {
  constructor (image: string) {
    super(image)
    this.withLabels({ [TEST_LABEL]: 'images' })
  }

  /** `--read-only`: the image's root filesystem is mounted read-only. */
  withReadOnlyRootFilesystem (): this {
    this.hostConfig.ReadonlyRootfs = true
    return this
  }

  /** Publishes the ports on 127.0.0.1 only (random host ports), never on other addresses. */
  withLoopbackPorts (...ports: number[]): this {
    this.withExposedPorts(...ports)
    for (const port of ports) this.hostConfig.PortBindings[`${port}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: '0' }]
    return this
  }

  /** start() resolves once the program has exited, whatever its exit code. */
  untilExited (): this {
    return this.withWaitStrategy(new ExitedStrategy()).withStartupTimeout(120_000)
  }
}

class ExitedStrategy extends StartupCheckStrategy {
  async checkStartupState (dockerClient: Dockerode, containerId: string): Promise<StartupStatus> {
    const { State: s } = await dockerClient.getContainer(containerId).inspect()
    return s.Running || s.Paused || s.FinishedAt === '' || s.FinishedAt.startsWith('0001-') ? 'PENDING' : 'SUCCESS'
  }
}

/** The Docker API's view of a container (its State, HostConfig, Config). */
export async function inspect (container: StartedTestContainer): Promise<Dockerode.ContainerInspectInfo> {
  return await (await getContainerRuntimeClient()).container.getById(container.getId()).inspect()
}

/** Everything the container wrote to stdout and stderr. */
export async function output (container: StartedTestContainer): Promise<string> {
  const stream = await container.logs()
  let text = ''
  stream.on('data', (chunk: Buffer | string) => { text += chunk.toString() })
  await new Promise<void>((resolve, reject) => { stream.on('end', resolve); stream.on('error', reject) })
  return text
}

/** Runs a program to its end in a throwaway container; its exit code and output. */
export async function runToExit (container: LatticeContainer): Promise<{ exitCode: number, output: string }> {
  const started = await container.untilExited().start()
  try {
    return { exitCode: (await inspect(started)).State.ExitCode, output: await output(started) }
  } finally {
    await started.stop({ remove: true })
  }
}

/** Host files a lattice-node container mounts: its data directory and a read-only secrets directory. */
export interface NodeFiles {
  /** Bind-mounted at DATA_DIR (the image's AETHEL_DATA_DIR): the ledger, the identity. */
  dataDir: string
  /** Bind-mounted read-only at /etc/lattice: api-token and, when given, swarm.key. */
  secretsDir: string
}

/** The image's user owns the node's files, as a volume's fsGroup or an init step would arrange. */
export async function prepareNodeFiles (files: NodeFiles, token: string, psk?: Uint8Array): Promise<void> {
  await mkdir(files.dataDir, { recursive: true })
  await mkdir(files.secretsDir, { recursive: true })
  await writeFile(path.join(files.secretsDir, 'api-token'), token, { mode: 0o400 })
  if (psk !== undefined) await writeFile(path.join(files.secretsDir, 'swarm.key'), psk, { mode: 0o400 })
  for (const dir of [files.dataDir, files.secretsDir]) {
    await chown(dir, IMAGE_UID, IMAGE_UID)
    await chmod(dir, 0o700)
    for (const entry of await readdir(dir, { recursive: true })) await chown(path.join(dir, entry), IMAGE_UID, IMAGE_UID)
  }
}

export interface NodeContainerOptions {
  image: string
  files: NodeFiles
  token: string
  /** A podman network and this container's name on it (DNS alias). */
  network?: { network: StartedNetwork, alias: string }
  /** Extra AETHEL_* variables. */
  env?: Record<string, string>
}

/** A running lattice-node container, with the API helpers the process-based tests use. */
export interface NodeContainer extends NodeApi {
  readonly container: StartedTestContainer
  readonly options: NodeContainerOptions
}

/**
 * Starts lattice-node as the image runs it (its user, read-only root filesystem), its data on the
 * host's directory, its API published on 127.0.0.1; resolves when /readyz answers 200.
 */
export async function startNodeContainer (options: NodeContainerOptions): Promise<NodeContainer> {
  const hasPsk = (await readdir(options.files.secretsDir)).includes('swarm.key')
  const container = new LatticeContainer(options.image)
    .withReadOnlyRootFilesystem()
    .withBindMounts([
      { source: options.files.dataDir, target: DATA_DIR, mode: 'rw' },
      { source: options.files.secretsDir, target: '/etc/lattice', mode: 'ro' }
    ])
    .withEnvironment({
      AETHEL_API_TOKEN_FILE: '/etc/lattice/api-token',
      ...(hasPsk ? { AETHEL_P2P_PSK_FILE: '/etc/lattice/swarm.key' } : {}),
      ...options.env
    })
    .withLoopbackPorts(HTTP_PORT)
    .withWaitStrategy(Wait.forHttp('/readyz', HTTP_PORT).forStatusCode(200).withStartupTimeout(120_000))
  if (options.network !== undefined) container.withNetwork(options.network.network).withNetworkAliases(options.network.alias)
  const started = await container.start()
  const url = `http://${started.getHost()}:${started.getMappedPort(HTTP_PORT)}`
  return {
    container: started,
    options,
    url,
    async api<T = unknown> (pathname: string, opts: { method?: string, body?: unknown, auth?: boolean, headers?: Record<string, string> } = {}) {
      return await request<T>(`${url}${pathname}`, { method: opts.method, body: opts.body, headers: opts.headers, token: opts.auth === false ? undefined : options.token })
    }
  }
}

/** The libp2p address other containers on the network dial: `/dns4/<alias>/tcp/9000/p2p/<peerId>`. */
export function p2pAddress (alias: string, peerId: string): string {
  return `/dns4/${alias}/tcp/${P2P_PORT}/p2p/${peerId}`
}

/** The HTTP base URL other containers on the network use. */
export function httpAddress (alias: string): string {
  return `http://${alias}:${HTTP_PORT}`
}

/** SIGKILL, as the kernel's OOM killer or a node failure would: no shutdown handler runs. */
export async function killHard (container: StartedTestContainer): Promise<void> {
  const c = (await getContainerRuntimeClient()).container.getById(container.getId())
  await c.kill({ signal: 'SIGKILL' })
  await c.wait()
}
