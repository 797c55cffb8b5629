import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKey } from '@libp2p/pnet'
import { loadOrCreateIdentity } from '../../../../node/src/identity/index.js'
import { disposeDir, registerDump, tail, tempDir } from '../artifacts.js'
import { listFiles } from '../files.js'
import { freePort } from '../ports.js'
import { waitFor } from '../wait.js'
import { request } from './http.js'

/** The compiled daemon beside this compiled helper (dist/packages/testkit/src/node → dist/node/src/main.js). */
export const NODE_MAIN = fileURLToPath(new URL('../../../../node/src/main.js', import.meta.url))

export interface NodeProcessOptions {
  dataDir: string
  host?: string
  httpPort?: number
  p2pPort?: number
  /** Bearer token (written to a file passed as AETHEL_API_TOKEN_FILE). */
  token?: string
  /** Path of a pnet key file. */
  pskFile?: string
  /** Extra or overriding AETHEL_* variables. */
  env?: Record<string, string>
  /** Wait for /readyz before resolving (default true). */
  waitReady?: boolean
  /**
   * Serve HTTPS with these PEM files (AETHEL_TLS_CERT_FILE / _KEY_FILE, and AETHEL_TLS_CA_FILE when
   * caFile is set); the handle's URL is then https:// and its requests trust `ca`.
   */
  tls?: { certFile: string, keyFile: string, caFile?: string, ca: Buffer }
  /** A command the daemon runs under, e.g. `['ip', 'netns', 'exec', NAME]` (it must exec, keeping the pid). */
  wrap?: string[]
}

export interface NodeProcess {
  readonly url: string
  readonly host: string
  readonly httpPort: number
  readonly p2pPort: number
  readonly dataDir: string
  readonly peerId: string
  readonly token: string
  /** `/ip4/<host>/tcp/<p2pPort>/p2p/<peerId>` */
  readonly p2pAddr: string
  readonly child: ChildProcess
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string
  /** Send a signal; resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<number | null>
  /** Start again on the same data, ports and identity (`waitReady: false` returns as soon as it is spawned). */
  restart(options?: Pick<NodeProcessOptions, 'waitReady'>): Promise<NodeProcess>
  /** GET/POST against this node's API with its token. */
  api<T = unknown>(pathname: string, options?: { method?: string, body?: unknown, auth?: boolean, headers?: Record<string, string> }): Promise<{ status: number, body: T }>
}

/** Writes a libp2p identity into the data dir up front, so peers can be told its peer ID before it starts. */
export async function prepareIdentity (dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true })
  return (await loadOrCreateIdentity(path.join(dataDir, 'identity.key'))).peerId
}

export async function writePskFile (dir: string): Promise<string> {
  const key = new Uint8Array(95)
  generateKey(key)
  const file = path.join(dir, 'swarm.key')
  await writeFile(file, key, { mode: 0o600 })
  return file
}

export async function startNodeProcess (options: NodeProcessOptions): Promise<NodeProcess> {
  const host = options.host ?? '127.0.0.1'
  const httpPort = options.httpPort ?? await freePort(host)
  const p2pPort = options.p2pPort ?? await freePort(host)
  const token = options.token ?? randomBytes(24).toString('base64url')
  const peerId = await prepareIdentity(options.dataDir)
  const tokenFile = path.join(options.dataDir, 'test-api-token')
  await writeFile(tokenFile, token, { mode: 0o600 })

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AETHEL_DATA_DIR: options.dataDir,
    AETHEL_HTTP_LISTEN: `${host}:${httpPort}`,
    AETHEL_P2P_LISTEN: `/ip4/${host}/tcp/${p2pPort}`,
    AETHEL_API_TOKEN_FILE: tokenFile,
    AETHEL_LOG_LEVEL: 'info',
    ...(options.pskFile !== undefined ? { AETHEL_P2P_PSK_FILE: options.pskFile } : {}),
    ...(options.tls !== undefined ? { AETHEL_TLS_CERT_FILE: options.tls.certFile, AETHEL_TLS_KEY_FILE: options.tls.keyFile } : {}),
    ...(options.tls?.caFile !== undefined ? { AETHEL_TLS_CA_FILE: options.tls.caFile } : {}),
    ...options.env
  }
  const argv = [...(options.wrap ?? []), process.execPath, NODE_MAIN]
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  let exitCode: number | null | undefined
  void exited.then(code => { exitCode = code })
  // A failing test's output shows this node's log and what its data dir holds (jest environment).
  registerDump({
    name: `lattice-node ${host}:${httpPort} ${peerId}`,
    dump: async () => `data dir ${options.dataDir}${exitCode !== undefined ? ` (exited with ${String(exitCode)})` : ''}:\n${await listFiles(options.dataDir)}\nlog (last 300 lines):\n${tail(output, 300)}`,
    live: () => exitCode === undefined
  })

  const url = `${options.tls !== undefined ? 'https' : 'http'}://${host}:${httpPort}`
  const ca = options.tls?.ca
  const handle: NodeProcess = {
    url,
    host,
    httpPort,
    p2pPort,
    dataDir: options.dataDir,
    peerId,
    token,
    p2pAddr: `/ip4/${host}/tcp/${p2pPort}/p2p/${peerId}`,
    child,
    logs: () => output,
    async kill (signal = 'SIGKILL') {
      if (exitCode === undefined) child.kill(signal)
      return await exited
    },
    async stop () { return await handle.kill('SIGTERM') },
    async restart (again = {}) {
      if (exitCode === undefined) await handle.stop()
      return await startNodeProcess({ ...options, host, httpPort, p2pPort, token, ...again })
    },
    async api<T = unknown> (pathname: string, opts: { method?: string, body?: unknown, auth?: boolean, headers?: Record<string, string> } = {}) {
      return await request<T>(`${url}${pathname}`, { method: opts.method, body: opts.body, headers: opts.headers, token: opts.auth === false ? undefined : token, ...(ca !== undefined ? { ca } : {}) })
    }
  }

  if (options.waitReady !== false) {
    // 60 s: a node is ready only once its peers told it its own head (node/src/sync/own-head.ts), so it
    // waits for them to start too (or for AETHEL_OWN_HEAD_TIMEOUT), on a machine that may be loaded
    let lastAnswer = 'no answer yet'
    await waitFor(() => `lattice-node at ${url} to be ready; /readyz said: ${lastAnswer}; last output:\n${tail(output, 20)}`, async () => {
      if (exitCode !== undefined) throw new Error(`lattice-node exited with ${String(exitCode)}:\n${output}`)
      const res = await request(`${url}/readyz`, { timeoutMs: 2000, ...(ca !== undefined ? { ca } : {}) })
      lastAnswer = `${res.status} ${JSON.stringify(res.body)}`
      return res.status === 200
    }, { timeoutMs: 60_000 }).catch(async (err: Error) => {
      child.kill('SIGKILL')
      throw err
    })
  }
  return handle
}

/** One node process without P2P on a fresh temporary data dir; `destroy` kills it and disposes of the dir. */
export async function startStandaloneNode (prefix: string): Promise<NodeProcess & { destroy: () => Promise<void> }> {
  const dataDir = await tempDir(prefix)
  const node = await startNodeProcess({ dataDir, env: { AETHEL_P2P_ENABLED: 'false' } })
  return Object.assign(node, {
    async destroy () {
      await node.kill('SIGKILL')
      await disposeDir(dataDir)
    }
  })
}
