// The lattice-operator program as real processes: two replicas with leader election on a real
// kube-apiserver elect one leader (Lease, metrics), the other takes over when the leader stops;
// health and metrics endpoints answer; a bad setting exits 2 naming the variable.
import { freePort, sampleValue, waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import yaml from 'js-yaml'
import { fileURLToPath } from 'node:url'
import { CoordinationV1Api } from '@kubernetes/client-node'
import { useCluster } from '../cluster/harness.js'
import { nodeBinary } from '../cluster/binaries.js'
import { Api, kubectlApply, networkManifest } from './helpers.js'

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'operator', 'src', 'main.js')

interface Proc { child: ChildProcess, metrics: number, health: number, out: string[], exited: Promise<number | null> }

async function get (port: number, p: string): Promise<{ status: number, body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(3000) })
  return { status: res.status, body: await res.text() }
}

describe('lattice-operator processes', () => {
  const cluster = useCluster({ kubelet: false }, 'opmain')
  const procs: Proc[] = []

  async function launch (): Promise<Proc> {
    const metrics = await freePort()
    const health = await freePort()
    const child = spawn(nodeBinary(), [MAIN, '--kubeconfig', cluster.kubeconfigPath], {
      env: {
        ...process.env,
        LATTICE_WATCH_NAMESPACE: cluster.namespace,
        LATTICE_LEADER_ELECT: 'true',
        LATTICE_LEADER_ELECTION_NAMESPACE: cluster.namespace,
        LATTICE_METRICS_ADDR: `127.0.0.1:${metrics}`,
        LATTICE_HEALTH_ADDR: `127.0.0.1:${health}`,
        LATTICE_ADDRESS_MODE: 'podIP',
        LATTICE_LOG_LEVEL: 'debug'
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const out: string[] = []
    child.stdout?.on('data', (d: Buffer) => out.push(d.toString()))
    child.stderr?.on('data', (d: Buffer) => out.push(d.toString()))
    const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
    const p = { child, metrics, health, out, exited }
    procs.push(p)
    return p
  }

  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
      await p.exited
    }
  })

  it('exits 2 naming a bad variable, and prints --help', async () => {
    const bad = spawn(nodeBinary(), [MAIN], { env: { ...process.env, LATTICE_PROBE_INTERVAL_SECONDS: 'soon' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    bad.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const code = await new Promise(resolve => bad.once('exit', resolve))
    expect(code).toBe(2)
    expect(err).toContain('LATTICE_PROBE_INTERVAL_SECONDS')
    const help = spawn(nodeBinary(), [MAIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    help.stdout.on('data', (d: Buffer) => { out += d.toString() })
    expect(await new Promise(resolve => help.once('exit', resolve))).toBe(0)
    expect(out).toContain('LATTICE_ADDRESS_MODE')
  })

  it('--version prints the package version', async () => {
    const v = spawn(nodeBinary(), [MAIN, '--version'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    v.stdout.on('data', (d: Buffer) => { out += d.toString() })
    expect(await new Promise(resolve => v.once('exit', resolve))).toBe(0)
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(MAIN), '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
    expect(out).toBe(`lattice-operator ${pkg.version}\n`)
  })

  it('finds its credentials as kubectl does: a KUBECONFIG list of split files, else ~/.kube/config; none is exit 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lattice-kc-'))
    try {
      // The admin kubeconfig split in two: credentials in one file, cluster and context in the other.
      const admin = yaml.load(readFileSync(cluster.kubeconfigPath, 'utf8')) as Record<string, unknown>
      const creds = path.join(dir, 'creds')
      const contexts = path.join(dir, 'contexts')
      writeFileSync(creds, yaml.dump({ apiVersion: 'v1', kind: 'Config', users: admin.users }))
      writeFileSync(contexts, yaml.dump({ ...admin, users: [] }))
      const home = path.join(dir, 'home')
      mkdirSync(path.join(home, '.kube'), { recursive: true })
      writeFileSync(path.join(home, '.kube', 'config'), readFileSync(cluster.kubeconfigPath))
      const runReady = async (env: NodeJS.ProcessEnv): Promise<void> => {
        const health = await freePort()
        const child = spawn(nodeBinary(), [MAIN], {
          env: { PATH: process.env.PATH ?? '', ...env, LATTICE_WATCH_NAMESPACE: cluster.namespace, LATTICE_METRICS_ADDR: '127.0.0.1:0', LATTICE_HEALTH_ADDR: `127.0.0.1:${health}` },
          stdio: ['ignore', 'pipe', 'pipe']
        })
        let out = ''
        child.stdout.on('data', (d: Buffer) => { out += d.toString() })
        child.stderr.on('data', (d: Buffer) => { out += d.toString() })
        const exited = new Promise(resolve => child.once('exit', resolve))
        try {
          await waitFor('ready (informers synced through the API server)', async () => {
            if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${out}`)
            return (await get(health, '/readyz').catch(() => undefined))?.status === 200
          }, { timeoutMs: 60_000, intervalMs: 250 })
        } finally {
          child.kill('SIGTERM')
          await exited
        }
      }
      await runReady({ KUBECONFIG: [path.join(dir, 'missing'), creds, contexts].join(path.delimiter), HOME: dir })
      await runReady({ HOME: home })
      const none = spawn(nodeBinary(), [MAIN], { env: { PATH: process.env.PATH ?? '', HOME: dir, LATTICE_HEALTH_ADDR: '127.0.0.1:0', LATTICE_METRICS_ADDR: '127.0.0.1:0' }, stdio: ['ignore', 'pipe', 'pipe'] })
      let err = ''
      none.stderr.on('data', (d: Buffer) => { err += d.toString() })
      expect(await new Promise(resolve => none.once('exit', resolve))).toBe(2)
      expect(err).toContain('no kubeconfig')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)

  it('two replicas: exactly one leader; it reconciles; when it stops the other takes over', async () => {
    const a = await launch()
    const b = await launch()
    // what the last look saw per replica, for the timeout message (a CI run once saw no leader for 60 s
    // while one replica had logged `became leader`)
    let seen = ''
    const leaderOf = async (): Promise<Proc[]> => {
      const leaders: Proc[] = []
      const views: string[] = []
      for (const p of [a, b]) {
        if (p.child.exitCode !== null) { views.push(`pid ${String(p.child.pid)}: exited ${p.child.exitCode}`); continue }
        const m = await get(p.metrics, '/metrics').catch((err: Error) => err)
        const value = m instanceof Error ? undefined : sampleValue(m.body, 'lattice_operator_is_leader')
        views.push(`pid ${String(p.child.pid)} metrics :${p.metrics}: ${m instanceof Error ? m.message : `HTTP ${m.status}, is_leader ${String(value)}`}`)
        if (value === 1) leaders.push(p)
      }
      seen = views.join('; ')
      return leaders
    }
    try {
      await waitFor('both ready', async () => (await get(a.health, '/readyz').catch(() => undefined))?.status === 200 && (await get(b.health, '/readyz').catch(() => undefined))?.status === 200, { timeoutMs: 60_000, intervalMs: 250 })
      expect((await get(a.health, '/healthz')).status).toBe(200)
      const first = await waitFor(() => `one leader (last seen: ${seen})`, async () => { const l = await leaderOf(); return l.length === 1 ? l[0] : undefined }, { timeoutMs: 60_000, intervalMs: 250 })
      const other = first === a ? b : a
      // Stays one leader over several renewals.
      for (let i = 0; i < 5; i++) {
        const l = await leaderOf()
        expect(l).toHaveLength(1)
        await waitFor('a retry period', async () => true, { timeoutMs: 1000 })
      }
      const coord = cluster.kubeConfig().makeApiClient(CoordinationV1Api)
      const lease = await coord.readNamespacedLease({ name: 'lattice-operator-leader', namespace: cluster.namespace })
      expect(lease.spec?.holderIdentity).toContain(String(first?.child.pid))
      // The leader reconciles: a network gets its LatticeNodes.
      const api = new Api(cluster)
      await kubectlApply(cluster, networkManifest('elect', { replicas: 2 }))
      await waitFor('LatticeNodes created by the leader', async () => (await api.nodes('elect')).length === 2, { timeoutMs: 60_000, intervalMs: 250 })
      first?.child.kill('SIGTERM')
      expect(await first?.exited).toBe(0)
      await waitFor('the other replica leads', async () => { const l = await leaderOf(); return l.length === 1 && l[0] === other }, { timeoutMs: 60_000, intervalMs: 250 })
      const after = await coord.readNamespacedLease({ name: 'lattice-operator-leader', namespace: cluster.namespace })
      expect(after.spec?.holderIdentity).toContain(String(other.child.pid))
      expect(after.spec?.leaseTransitions).toBeGreaterThanOrEqual(1)
      await kubectlApply(cluster, networkManifest('elect', { replicas: 3 }))
      await waitFor('the new leader reconciles', async () => (await api.nodes('elect')).length === 3, { timeoutMs: 60_000, intervalMs: 250 })
      // A leader that dies without releasing: a standby takes over once the Lease expires (15 s).
      const c = await launch()
      await waitFor('third replica ready', async () => (await get(c.health, '/readyz').catch(() => undefined))?.status === 200, { timeoutMs: 60_000, intervalMs: 250 })
      other.child.kill('SIGKILL')
      await other.exited
      await waitFor('the standby leads after expiry', async () => sampleValue((await get(c.metrics, '/metrics')).body, 'lattice_operator_is_leader') === 1, { timeoutMs: 90_000, intervalMs: 250 })
      const expired = await coord.readNamespacedLease({ name: 'lattice-operator-leader', namespace: cluster.namespace })
      expect(expired.spec?.holderIdentity).toContain(String(c.child.pid))
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err))
      e.message += procs.map((p, i) => `\n--- operator ${i} ---\n${p.out.join('').slice(-3000)}`).join('')
      throw e
    }
  }, 240_000)
})
