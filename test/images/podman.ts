/**
 * testcontainers on this machine: podman's Docker-compatible API socket, and the Lattice images.
 *
 * There is no Docker engine here. `podman system service` serves the Docker API on a unix socket;
 * testcontainers talks to it through DOCKER_HOST. Ryuk (testcontainers' reaper) is an image from a
 * registry, which is not reachable, so it is off and the tests remove their own containers (and those
 * an aborted run left, by label). TESTCONTAINERS_HOST_OVERRIDE keeps every connection on loopback:
 * ports are published on 127.0.0.1 only.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, openSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { getContainerRuntimeClient } from 'testcontainers'
import { repoRoot } from '../cluster/binaries.js'

export const PODMAN_SOCKET = '/run/lattice-podman/podman.sock'
/** Every container and network these tests make carries this label. */
export const TEST_LABEL = 'lattice.test'

/** True when a Docker API answers /_ping on the unix socket. */
async function answers (socketPath: string): Promise<boolean> {
  return await new Promise(resolve => {
    const req = http.request({ socketPath, path: '/_ping', timeout: 2000 }, res => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => { req.destroy(); resolve(false) })
    req.end()
  })
}

/**
 * Points testcontainers at podman's API socket, starting `podman system service` (detached, it keeps
 * serving for later runs) when nothing answers there yet. A DOCKER_HOST already set is used as it is.
 */
export async function usePodmanApi (): Promise<void> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true'
  process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1'
  if (process.env.DOCKER_HOST !== undefined && process.env.DOCKER_HOST !== '') return
  process.env.DOCKER_HOST = `unix://${PODMAN_SOCKET}`
  if (await answers(PODMAN_SOCKET)) return
  mkdirSync(path.dirname(PODMAN_SOCKET), { recursive: true })
  const log = openSync(path.join(path.dirname(PODMAN_SOCKET), 'service.log'), 'a')
  // Started in / (and PWD=/, which podman goes back to when it re-executes itself): it outlives this
  // run, and conmon fails every container start ("Failed to get working directory") once the directory
  // it inherited is deleted (a removed clone or work tree).
  const env: NodeJS.ProcessEnv = { ...process.env, PWD: '/' }
  delete env.OLDPWD
  const service = spawn('podman', ['system', 'service', '--time=0', `unix://${PODMAN_SOCKET}`], { cwd: '/', env, detached: true, stdio: ['ignore', log, log] })
  service.unref()
  await waitFor(`podman system service to answer on ${PODMAN_SOCKET}`, async () => await answers(PODMAN_SOCKET), { timeoutMs: 60_000, intervalMs: 200 })
}

/** Removes containers and networks a previous, aborted run left behind (no Ryuk to do it). */
export async function removeLeftovers (): Promise<void> {
  const { dockerode } = (await getContainerRuntimeClient()).container
  const filters = { label: [TEST_LABEL] }
  for (const info of await dockerode.listContainers({ all: true, filters })) {
    await dockerode.getContainer(info.Id).remove({ force: true, v: true }).catch(() => undefined)
  }
  for (const info of await dockerode.listNetworks({ filters })) {
    await dockerode.getNetwork(info.Id).remove().catch(() => undefined)
  }
}

export interface BuiltImages {
  node: string
  operator: string
}

/**
 * `make images`' build (images/build.sh): a few seconds when the images match the sources, a full
 * build otherwise. Returns the content-addressed names (lattice-<program>:dev-<hash>) of this tree.
 */
export function buildImages (): BuiltImages {
  const r = spawnSync('bash', [path.join(repoRoot(), 'images', 'build.sh')], { encoding: 'utf8', timeout: 30 * 60_000 })
  if (r.status !== 0) throw new Error(`images/build.sh failed (${String(r.status ?? r.signal)}):\n${r.stdout}\n${r.stderr}`)
  const name = (program: string): string => {
    const m = new RegExp(`^images: (lattice-${program}:dev-[0-9a-f]+) `, 'm').exec(r.stdout)
    if (m?.[1] === undefined) throw new Error(`images/build.sh printed no lattice-${program} image:\n${r.stdout}`)
    return m[1]
  }
  return { node: name('node'), operator: name('operator') }
}
