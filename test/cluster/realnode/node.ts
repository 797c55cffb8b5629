import { freePort } from '../../../packages/testkit/src/index.js'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CoreV1Api } from '@kubernetes/client-node'
import { createSilentLogger, type Logger } from '../../../packages/log/src/index.js'
import { startControlPlane, type ControlPlane } from '../controlplane.js'
import { ComponentStartError } from '../errors.js'
import { httpGet } from '../http.js'
import { createLocalPathProvisioner, type LocalPathProvisioner } from '../kubelet/storage.js'
import { issueCertificate, writeKubeconfig } from '../pki.js'
import { waitUntilUp, type ManagedProcess } from '../process.js'
import { locateRealNodeBinaries, type RealNodeBinary, type HOST_PROGRAMS } from './binaries.js'
import { cniConfig, containerdConfig, corefile, kubeletConfig, kubeProxyConfig, NO_REGISTRY_HOSTS_TOML, paths, type RealNodeLayout } from './configs.js'
import { RealNodeUnsupportedError } from './errors.js'
import { createCgroupRoot, mountsUnder, processesMentioning, removeCgroupTree, run, setUpPodNetwork, tearDownPodNetwork, unmountUnder } from './host.js'
import { acquireRealNodeLock, releaseRealNodeLock } from './lock.js'
import { busyboxRootfs, pauseRootfs, writeOciArchive } from './oci-image.js'

/** The machine-wide names and addresses of the real node (one at a time: lock.ts). */
export const REAL_NODE = {
  nodeName: 'lattice-realnode',
  bridge: 'lattice0',
  nodeIp: '10.217.0.1',
  podCidr: '10.217.0.0/24',
  cgroupRoot: 'lattice-realnode',
  dnsServiceIp: '10.0.0.10',
  clusterDomain: 'cluster.local',
  sandboxImage: 'registry.k8s.io/pause:lattice',
  /** A ~2 MB image of Debian's static busybox (sh, httpd, nslookup, wget), uid 65532 named `nonroot`. */
  testImage: 'docker.io/library/lattice-busybox:test'
} as const

export interface RealNodeInit {
  /** Image archives (`podman save`, OCI or docker format) loaded into containerd before the kubelet starts. */
  imageArchives?: string[]
  stateDir?: string
  startTimeoutMs?: number
  keepState?: boolean
  /** CRDs the control plane applies at start: default <repo>/crds; false for none. */
  crdsDir?: string | false
}

/** A control plane and the real node registered with it; stop() stops both and undoes the host changes. */
export interface RealNodeCluster {
  readonly controlPlane: ControlPlane
  readonly node: RealNode
  stop: () => Promise<void>
}

export interface RealNode {
  readonly nodeName: string
  readonly layout: RealNodeLayout
  /** Loads an image archive into containerd's `k8s.io` namespace (what the CRI sees). */
  loadImage: (archive: string) => Promise<void>
  /** Runs ctr against this node's containerd. */
  ctr: (args: string[]) => Promise<string>
  /** Stops and starts containerd (pods keep running in their shims). */
  restartContainerd: () => Promise<void>
  /** Stops and starts the kubelet (pods keep running). */
  restartKubelet: () => Promise<void>
  /** Tails of containerd, kubelet, kube-proxy and CoreDNS logs, for failure messages. */
  logs: () => string
  /** Stops everything, kills every container, undoes every host change. */
  stop: () => Promise<void>
}

/** Refuses early, with the reason, where a real node cannot run. */
export function checkRealNodeSupported (): void {
  if (process.getuid?.() !== 0) throw new RealNodeUnsupportedError('not root (containerd, the kubelet and CNI need to create namespaces, cgroups, mounts and a bridge)')
  if (process.platform !== 'linux') throw new RealNodeUnsupportedError(`platform ${process.platform}`)
  if (!fs.existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) throw new RealNodeUnsupportedError('no cgroup v1 memory hierarchy at /sys/fs/cgroup/memory (the kubelet here runs with cgroupfs on cgroup v1)')
}

class LocalRealNode implements RealNode {
  readonly nodeName = REAL_NODE.nodeName
  layout!: RealNodeLayout
  private readonly cp: ControlPlane
  private readonly bins: Record<RealNodeBinary, string> & typeof HOST_PROGRAMS
  private readonly stateDir: string
  private readonly procs = new Map<string, ManagedProcess>()
  private readonly args = new Map<string, string[]>()
  private provisioner: LocalPathProvisioner | undefined
  private stopped = false

  constructor (private readonly init: RealNodeInit, cp: ControlPlane, stateDir: string, bins: Record<RealNodeBinary, string> & typeof HOST_PROGRAMS, private readonly log: Logger) {
    this.cp = cp
    this.stateDir = stateDir
    this.bins = bins
  }

  private timeout (): number {
    return this.init.startTimeoutMs ?? 120_000
  }

  async start (): Promise<void> {
    this.layout = {
      stateDir: this.stateDir,
      ...REAL_NODE,
      serviceCidr: '10.0.0.0/24',
      runcBinary: this.bins.runc,
      cniBinDir: this.bins.cniBinDir,
      ports: { kubelet: await freePort(), kubeletHealthz: await freePort(), proxyHealthz: await freePort(), proxyMetrics: await freePort(), dnsReady: await freePort(), dnsHealth: await freePort() }
    }
    const l = this.layout
    const p = paths(l)
    for (const dir of [p.cniConfDir, p.kubeletRoot, p.podLogs, p.volumes, path.join(this.stateDir, 'logs')]) fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(p.emptyResolvConf, '')

    // Identities: the kubelet as system:node:<name> (Node authorizer), kube-proxy as
    // system:kube-proxy (bound to system:node-proxier by default), CoreDNS as system:coredns.
    const pki = this.cp.pki
    const kubeletServing = await issueCertificate(pki, { name: 'realnode-kubelet-serving', subject: `/CN=system:node:${l.nodeName}`, usage: 'serverAuth', sans: [`IP:${l.nodeIp}`, 'IP:127.0.0.1'] })
    const kubeconfig = async (name: string, subject: string, user: string): Promise<string> => {
      const client = await issueCertificate(pki, { name, subject, usage: 'clientAuth' })
      return writeKubeconfig(path.join(this.stateDir, `${name}.kubeconfig`), this.cp.server, pki.caCert, client, user)
    }
    const kubeletKubeconfig = await kubeconfig('realnode-kubelet', `/O=system:nodes/CN=system:node:${l.nodeName}`, `system:node:${l.nodeName}`)
    const proxyKubeconfig = await kubeconfig('realnode-kube-proxy', '/CN=system:kube-proxy', 'system:kube-proxy')
    const dnsKubeconfig = await kubeconfig('realnode-coredns', '/CN=system:coredns', 'system:coredns')

    fs.writeFileSync(path.join(p.cniConfDir, '10-lattice.conflist'), JSON.stringify(cniConfig(l), null, 2))
    fs.writeFileSync(p.containerdConfig, containerdConfig(l))
    fs.mkdirSync(path.join(p.registryHostsDir, '_default'), { recursive: true })
    fs.writeFileSync(path.join(p.registryHostsDir, '_default', 'hosts.toml'), NO_REGISTRY_HOSTS_TOML)
    fs.writeFileSync(p.kubeletConfig, JSON.stringify(kubeletConfig(l, { clientCaFile: pki.caCert, certFile: kubeletServing.cert, keyFile: kubeletServing.key }), null, 2))
    fs.writeFileSync(p.kubeProxyConfig, JSON.stringify(kubeProxyConfig(l, proxyKubeconfig), null, 2))
    fs.writeFileSync(p.corefile, corefile(l, dnsKubeconfig))

    await this.startContainerd()
    await this.loadImage(await this.buildImage('pause', { reference: l.sandboxImage, rootfs: pauseRootfs(path.join(this.stateDir, 'images', 'pause-rootfs'), this.bins.pause), entrypoint: ['/pause'] }))
    await this.loadImage(await this.buildImage('busybox', { reference: REAL_NODE.testImage, rootfs: busyboxRootfs(path.join(this.stateDir, 'images', 'busybox-rootfs'), this.bins.busybox), cmd: ['sh'], user: '65532:65532' }))
    for (const archive of this.init.imageArchives ?? []) await this.loadImage(archive)

    await this.applyClusterAddons()
    await this.startCoreDns()
    // kube-proxy waits for its Node object: the kubelet registers it first.
    await this.startKubelet(kubeletKubeconfig)
    await this.startKubeProxy()
    this.provisioner = createLocalPathProvisioner({ rootDir: p.volumes, storageClassName: 'standard', pollMs: 500, dirMode: 0o777 }, { kubeConfig: this.cp.kubeConfig(), logger: this.log })
    await this.provisioner.start()
  }

  private spawn (name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): ManagedProcess {
    const proc = this.cp.processes.spawn({ name, command, args, env, logFile: path.join(this.stateDir, 'logs', `${name}.log`) })
    this.procs.set(name, proc)
    return proc
  }

  private async waitUp (proc: ManagedProcess, what: string, check: () => Promise<boolean>): Promise<void> {
    await waitUntilUp(proc, what, async () => await check().catch(() => false), { timeoutMs: this.timeout(), intervalMs: 250 })
  }

  private async startContainerd (): Promise<void> {
    const p = paths(this.layout)
    // containerd finds containerd-shim-runc-v2 on PATH.
    const env = { ...process.env, PATH: `${path.dirname(this.bins.containerd)}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` }
    const proc = this.spawn('containerd', this.bins.containerd, ['--config', p.containerdConfig, '--log-level', 'warn'], env)
    await this.waitUp(proc, 'containerd answers on its socket', async () => {
      if (!fs.existsSync(p.containerdSocket)) return false
      await this.ctr(['version'])
      return true
    })
  }

  async ctr (args: string[]): Promise<string> {
    return await run(this.bins.ctr, ['--address', paths(this.layout).containerdSocket, '--namespace', 'k8s.io', ...args])
  }

  private async buildImage (name: string, init: Parameters<typeof writeOciArchive>[0]): Promise<string> {
    return await writeOciArchive(init, path.join(this.stateDir, 'images', `${name}.tar`))
  }

  async loadImage (archive: string): Promise<void> {
    // --all-platforms: podman's archives may name no platform; --no-unpack is not used so the
    // overlayfs snapshot exists before a pod needs it.
    await this.ctr(['images', 'import', '--all-platforms', archive])
  }

  /** RBAC for CoreDNS and the kube-dns Service, whose only endpoint is CoreDNS on the node address. */
  private async applyClusterAddons (): Promise<void> {
    const l = this.layout
    const docs = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:coredns' }, rules: [{ apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] }, { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'system:coredns' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:coredns' }] },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, spec: { clusterIP: l.dnsServiceIp, ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }] } },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kube-dns-host', namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'lattice-realnode' } }, addressType: 'IPv4', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }], endpoints: [{ addresses: [l.nodeIp], conditions: { ready: true }, nodeName: l.nodeName }] }
    ]
    const r = await this.cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }) })
    if (r.code !== 0) throw new ComponentStartError('cluster add-ons', r.stderr, '')
  }

  private async startCoreDns (): Promise<void> {
    const l = this.layout
    const proc = this.spawn('coredns', this.bins.coredns, ['-conf', paths(l).corefile])
    await this.waitUp(proc, 'CoreDNS /ready', async () => (await httpGet(`http://127.0.0.1:${l.ports.dnsReady}/ready`, 2000)).status === 200)
  }

  private async startKubeProxy (): Promise<void> {
    const l = this.layout
    const proc = this.spawn('kube-proxy', this.bins['kube-proxy'], [`--config=${paths(l).kubeProxyConfig}`, '--v=1'])
    // /livez: the rules are synced (/healthz also wants the node to be eligible for traffic).
    await this.waitUp(proc, 'kube-proxy /livez', async () => (await httpGet(`http://127.0.0.1:${l.ports.proxyHealthz}/livez`, 2000)).status === 200)
  }

  private async startKubelet (kubeconfig?: string): Promise<void> {
    const l = this.layout
    const p = paths(l)
    const args = this.args.get('kubelet') ?? [
      `--config=${p.kubeletConfig}`, `--kubeconfig=${kubeconfig ?? ''}`,
      `--hostname-override=${l.nodeName}`, `--node-ip=${l.nodeIp}`,
      `--root-dir=${p.kubeletRoot}`, `--cert-dir=${path.join(p.kubeletRoot, 'pki')}`,
      '--v=1'
    ]
    this.args.set('kubelet', args)
    const proc = this.spawn('kubelet', this.bins.kubelet, args)
    await this.waitUp(proc, 'kubelet /healthz', async () => (await httpGet(`http://127.0.0.1:${l.ports.kubeletHealthz}/healthz`, 2000)).status === 200)
    await this.waitNodeReady(proc)
  }

  private async waitNodeReady (proc: ManagedProcess): Promise<void> {
    const core = this.cp.kubeConfig().makeApiClient(CoreV1Api)
    await this.waitUp(proc, `node ${this.nodeName} Ready`, async () => {
      const node = await core.readNode({ name: this.nodeName })
      return node.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') === true
    })
  }

  async restartContainerd (): Promise<void> {
    await this.procs.get('containerd')?.stop(10_000)
    await this.startContainerd()
  }

  async restartKubelet (): Promise<void> {
    await this.procs.get('kubelet')?.stop(10_000)
    await this.startKubelet()
  }

  logs (): string {
    return [...this.procs.values()].map(p => `--- ${p.name} (${p.logFile}) ---\n${p.tail(3000)}`).join('\n')
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.provisioner?.stop()
    // The kubelet first, so it does not restart what is killed next; then the containers (they
    // live outside every process group the harness started) and their shims; then the rest.
    await this.procs.get('kubelet')?.stop(10_000)
    if (this.layout != null) await cleanUpNodeState(this.stateDir, this.log)
    for (const name of ['containerd', 'kube-proxy', 'coredns']) await this.procs.get(name)?.stop(5000)
    await unmountUnder(this.stateDir)
  }
}

/**
 * Kills every container of a node (its cgroup tree), its containerd shims and its containerd,
 * unmounts its state dir. Used by stop() and for the leftovers of a real node whose process died
 * (lock.ts).
 */
export async function cleanUpNodeState (stateDir: string, log: Logger = createSilentLogger()): Promise<void> {
  try {
    await removeCgroupTree(REAL_NODE.cgroupRoot)
  } catch (err) {
    log.warn('real node cgroups not fully removed', { err: (err as Error).message })
  }
  // Shims name the containerd socket on their command line; a dead harness's containerd too.
  for (const pid of processesMentioning(`${stateDir}/`)) {
    try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
  }
  if (fs.existsSync(stateDir)) await unmountUnder(stateDir)
}

/**
 * Starts a real node and its control plane: takes the machine's real node lock, makes the pod
 * bridge and the cgroup root, starts a control plane bound to the bridge address (pods reach the
 * API server there through the `kubernetes` Service) with a scheduler and a controller-manager,
 * then containerd, CoreDNS, kube-proxy and the kubelet, and waits for the node to be Ready.
 */
export async function startRealNodeCluster (init: RealNodeInit = {}, logger: Logger = createSilentLogger()): Promise<RealNodeCluster> {
  checkRealNodeSupported()
  const bins = locateRealNodeBinaries()
  // Not under the control plane's state dir: that one is removed with rm -rf, and nothing may
  // remove a directory that still has container mounts under it.
  const stateDir = init.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-node-'))
  await acquireRealNodeLock(stateDir, async stale => {
    await cleanUpNodeState(stale, logger)
    await tearDownPodNetwork(REAL_NODE.bridge)
    if (mountsUnder(stale).length === 0) fs.rmSync(stale, { recursive: true, force: true })
  }, init.startTimeoutMs)
  let cp: ControlPlane | undefined
  let node: LocalRealNode | undefined
  const stop = async (): Promise<void> => {
    try {
      await node?.stop()
      await cp?.stop()
      await tearDownPodNetwork(REAL_NODE.bridge)
    } finally {
      releaseRealNodeLock()
    }
    const left = mountsUnder(stateDir)
    if (init.keepState === true) return
    if (left.length > 0) {
      logger.warn('real node state dir kept: mounts remain under it', { state_dir: stateDir, mounts: left.slice(0, 5) })
      return
    }
    fs.rmSync(stateDir, { recursive: true, force: true })
  }
  try {
    await setUpPodNetwork(REAL_NODE.bridge, REAL_NODE.nodeIp, Number(REAL_NODE.podCidr.split('/')[1]))
    createCgroupRoot(REAL_NODE.cgroupRoot)
    cp = await startControlPlane({ advertiseAddress: REAL_NODE.nodeIp, scheduler: true, controllerManager: true, crdsDir: init.crdsDir, keepState: init.keepState, startTimeoutMs: init.startTimeoutMs }, { logger })
    node = new LocalRealNode(init, cp, stateDir, bins, logger)
    await node.start()
  } catch (err) {
    logger.error('real node start failed', { err, logs: node?.logs() })
    await stop()
    throw err
  }
  const controlPlane = cp
  const realNode = node
  return { controlPlane, node: realNode, stop }
}
