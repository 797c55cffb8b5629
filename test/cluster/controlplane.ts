import { freePort } from '../../packages/testkit/src/index.js'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { KubeConfig } from '@kubernetes/client-node'
import { createSilentLogger, type Logger } from '../../packages/log/src/index.js'
import { locateBinaries, repoRoot, type ControlPlaneBinary } from './binaries.js'
import { applyCrds, crdFiles } from './crds.js'
import { httpGet, httpsGet } from './http.js'
import { generatePki, writeKubeconfig, type Pki } from './pki.js'
import { ProcessRegistry, waitUntilUp, type ManagedProcess } from './process.js'

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string
  readonly apiPort: number
  /** Admin (system:masters) kubeconfig file. */
  readonly kubeconfigPath: string
  readonly stateDir: string
  readonly pki: Pki
  readonly binaries: Record<ControlPlaneBinary, string>
  readonly processes: ProcessRegistry
  /** The audit log file when ControlPlaneInit.audit is set, else ''. */
  readonly auditLogPath: string
  /** A fresh client configuration for the admin user. */
  kubeConfig: () => KubeConfig
  start: () => Promise<void>
  startControllerManager: () => Promise<void>
  /** Stops kube-apiserver (SIGTERM) and starts it again on the same address, port and etcd. */
  restartApiServer: () => Promise<void>
  startScheduler: () => Promise<void>
  /** Applies CRD files and waits until they are Established. */
  applyCrds: (files: string[]) => Promise<string[]>
  /** Runs kubectl against this control plane. */
  kubectl: (args: string[], opts?: { input?: string, timeoutMs?: number }) => Promise<CommandResult>
  /** Runs helm (KUBECONFIG set to this control plane). */
  helm: (args: string[], opts?: { cwd?: string, timeoutMs?: number }) => Promise<CommandResult>
  /** The last lines of each component's log, for failure messages. */
  logs: () => string
  /** Stops every component and frees the ports; removes the state dir unless keepState. */
  stop: () => Promise<void>
}

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

export interface ControlPlaneInit {
  /** Where etcd data, certificates, logs and kubeconfigs go; a fresh temp dir by default. */
  stateDir?: string
  /** Start kube-controller-manager / kube-scheduler with start(). */
  controllerManager?: boolean
  scheduler?: boolean
  /** Directory whose CRD YAML files are applied at start: default <repo>/crds; false for none. */
  crdsDir?: string | false
  /** Keep the state dir after stop (debugging). */
  keepState?: boolean
  startTimeoutMs?: number
  /** Service network the API server allocates ClusterIPs from. */
  serviceCidr?: string
  /**
   * The address the API server binds and advertises (default 127.0.0.1). A real node's pods reach
   * it through the `kubernetes` Service, so the real node passes its bridge address: the API server
   * then keeps that Service's endpoints itself and its certificate names the address.
   */
  advertiseAddress?: string
  /**
   * The API server's audit log (off by default): JSON lines in <stateDir>/audit.log (ControlPlane.auditLogPath),
   * one per request at its ResponseComplete stage, with the policy's rules (default: every request at
   * level Metadata: user, verb, resource, name, response code).
   */
  audit?: { rules?: object[] }
  /** Admission plugins enabled besides the defaults (e.g. OwnerReferencesPermissionEnforcement). */
  enableAdmissionPlugins?: string[]
}

export interface ControlPlaneComponents {
  logger?: Logger
}

const SERVICE_CIDR = '10.0.0.0/24'
const LOOPBACK = '127.0.0.1'

export async function runCommand (cmd: string, args: string[], env: NodeJS.ProcessEnv, opts: { input?: string, cwd?: string, timeoutMs?: number }): Promise<CommandResult> {
  return await new Promise(resolve => {
    const child = execFile(cmd, args, { env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err == null ? 0 : (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1)
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
    if (opts.input != null) child.stdin?.end(opts.input)
  })
}

class LocalControlPlane implements ControlPlane {
  server = ''
  apiPort = 0
  kubeconfigPath = ''
  auditLogPath = ''
  readonly stateDir: string
  pki!: Pki
  readonly binaries: Record<ControlPlaneBinary, string>
  readonly processes: ProcessRegistry
  private readonly init: ControlPlaneInit
  private readonly log: Logger
  private readonly started: ManagedProcess[] = []
  private etcdUrl = ''
  private stopped = false

  constructor (init: ControlPlaneInit, components: ControlPlaneComponents) {
    this.init = init
    this.log = components.logger ?? createSilentLogger()
    this.binaries = locateBinaries()
    this.stateDir = init.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-cp-'))
    fs.mkdirSync(this.stateDir, { recursive: true })
    this.processes = new ProcessRegistry(this.stateDir)
  }

  kubeConfig (): KubeConfig {
    const kc = new KubeConfig()
    kc.loadFromFile(this.kubeconfigPath)
    return kc
  }

  async start (): Promise<void> {
    const timeoutMs = this.init.startTimeoutMs ?? 60_000
    try {
      const address = this.address()
      this.pki = await generatePki(path.join(this.stateDir, 'pki'), undefined, address === LOOPBACK ? [] : [address])
      await this.startEtcd(timeoutMs)
      await this.startApiServer(timeoutMs)
      const crdsDir = this.init.crdsDir === undefined ? path.join(repoRoot(), 'crds') : this.init.crdsDir
      if (crdsDir !== false) {
        const files = crdFiles(crdsDir)
        if (files.length > 0) await this.applyCrds(files)
      }
      if (this.init.controllerManager === true) await this.startControllerManager()
      if (this.init.scheduler === true) await this.startScheduler()
    } catch (err) {
      this.log.error('control plane start failed', { err, logs: this.logs() })
      await this.stop()
      throw err
    }
  }

  private address (): string {
    return this.init.advertiseAddress ?? LOOPBACK
  }

  private spawn (name: string, args: string[]): ManagedProcess {
    const bin = this.binaries[name as ControlPlaneBinary]
    const proc = this.processes.spawn({ name, command: bin, args, logFile: path.join(this.stateDir, 'logs', `${name}.log`) })
    this.started.push(proc)
    return proc
  }

  private async waitHealthy (proc: ManagedProcess, what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    await waitUntilUp(proc, what, check, { timeoutMs, intervalMs: 100 })
  }

  private async startEtcd (timeoutMs: number): Promise<void> {
    const [client, peer] = [await freePort(), await freePort()]
    this.etcdUrl = `http://127.0.0.1:${client}`
    const peerUrl = `http://127.0.0.1:${peer}`
    const proc = this.spawn('etcd', [
      '--name=lattice', `--data-dir=${path.join(this.stateDir, 'etcd')}`,
      `--listen-client-urls=${this.etcdUrl}`, `--advertise-client-urls=${this.etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=lattice=${peerUrl}`, '--initial-cluster-state=new',
      // Test data is thrown away: skipping fsync keeps a loaded 2-core machine responsive.
      '--unsafe-no-fsync', '--log-level=warn', '--quota-backend-bytes=2147483648'
    ])
    await this.waitHealthy(proc, 'etcd /health', timeoutMs, async () => {
      const r = await httpGet(`${this.etcdUrl}/health`, 2000)
      return r.status === 200 && r.body.includes('"health":"true"')
    })
  }

  async restartApiServer (): Promise<void> {
    const old = this.started.find(p => p.name === 'kube-apiserver')
    if (old === undefined) throw new Error('kube-apiserver is not running')
    await old.stop(3000)
    this.started.splice(this.started.indexOf(old), 1)
    await this.startApiServer(this.init.startTimeoutMs ?? 60_000, this.apiPort)
  }

  private async startApiServer (timeoutMs: number, port?: number): Promise<void> {
    this.apiPort = port ?? await freePort()
    const address = this.address()
    this.server = `https://${address}:${this.apiPort}`
    const pki = this.pki
    const auditArgs: string[] = []
    if (this.init.audit !== undefined) {
      const policy = path.join(this.stateDir, 'audit-policy.yaml')
      // JSON is YAML: the policy file needs no YAML writer.
      fs.writeFileSync(policy, JSON.stringify({
        apiVersion: 'audit.k8s.io/v1',
        kind: 'Policy',
        omitStages: ['RequestReceived', 'ResponseStarted'],
        rules: this.init.audit.rules ?? [{ level: 'Metadata' }]
      }))
      this.auditLogPath = path.join(this.stateDir, 'audit.log')
      // Blocking mode: every event is written before the response, so a test reading the file after
      // its last request sees them all.
      auditArgs.push(`--audit-policy-file=${policy}`, `--audit-log-path=${this.auditLogPath}`, '--audit-log-format=json', '--audit-log-mode=blocking', '--audit-log-maxbackup=0', '--audit-log-maxsize=0')
    }
    if ((this.init.enableAdmissionPlugins ?? []).length > 0) auditArgs.push(`--enable-admission-plugins=${(this.init.enableAdmissionPlugins ?? []).join(',')}`)
    const proc = this.spawn('kube-apiserver', [
      ...auditArgs,
      `--etcd-servers=${this.etcdUrl}`,
      `--bind-address=${address}`, `--advertise-address=${address}`, `--secure-port=${this.apiPort}`,
      `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${this.init.serviceCidr ?? SERVICE_CIDR}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      // Loopback may not be advertised in the kubernetes Service's endpoints; pods of the local
      // kubelet reach the API server through KUBERNETES_SERVICE_HOST=127.0.0.1 instead. Any other
      // address (a real node's bridge) is kept there by the API server itself.
      `--endpoint-reconciler-type=${address === LOOPBACK ? 'none' : 'lease'}`,
      // kubectl logs: the API server calls the local kubelet's HTTPS endpoint on the node's InternalIP.
      `--kubelet-client-certificate=${pki.clients['apiserver-kubelet-client'].cert}`,
      `--kubelet-client-key=${pki.clients['apiserver-kubelet-client'].key}`,
      `--kubelet-certificate-authority=${pki.caCert}`,
      '--kubelet-preferred-address-types=InternalIP',
      `--cert-dir=${path.join(this.stateDir, 'apiserver-certs')}`,
      '--profiling=false',
      '--v=1'
    ])
    const tls = { ca: pki.caCert, ...pki.clients.admin }
    await this.waitHealthy(proc, 'kube-apiserver /readyz', timeoutMs, async () => {
      const r = await httpsGet(`${this.server}/readyz`, tls, 2000)
      return r.status === 200
    })
    this.kubeconfigPath = writeKubeconfig(path.join(this.stateDir, 'admin.kubeconfig'), this.server, pki.caCert, pki.clients.admin)
  }

  async startControllerManager (): Promise<void> {
    const timeoutMs = this.init.startTimeoutMs ?? 60_000
    const kubeconfig = writeKubeconfig(path.join(this.stateDir, 'controller-manager.kubeconfig'), this.server, this.pki.caCert, this.pki.clients['kube-controller-manager'], 'system:kube-controller-manager')
    const port = await freePort()
    const proc = this.spawn('kube-controller-manager', [
      `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1', `--secure-port=${port}`,
      `--cert-dir=${path.join(this.stateDir, 'controller-manager-certs')}`,
      '--leader-elect=false',
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${this.pki.serviceAccountKey}`,
      `--root-ca-file=${this.pki.caCert}`,
      `--service-cluster-ip-range=${this.init.serviceCidr ?? SERVICE_CIDR}`,
      // Tests run many short-lived objects: collect garbage and react quickly.
      '--concurrent-gc-syncs=5',
      '--v=1'
    ])
    await this.waitHealthy(proc, 'kube-controller-manager /healthz', timeoutMs, async () => {
      // Serves with a self-signed certificate: only check that it answers.
      const r = await httpsGet(`https://127.0.0.1:${port}/healthz`, this.pki.clients.admin, 2000).catch(() => ({ status: 0, body: '' }))
      return r.status === 200
    })
  }

  async startScheduler (): Promise<void> {
    const timeoutMs = this.init.startTimeoutMs ?? 60_000
    const kubeconfig = writeKubeconfig(path.join(this.stateDir, 'scheduler.kubeconfig'), this.server, this.pki.caCert, this.pki.clients['kube-scheduler'], 'system:kube-scheduler')
    const port = await freePort()
    const proc = this.spawn('kube-scheduler', [
      `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1', `--secure-port=${port}`,
      `--cert-dir=${path.join(this.stateDir, 'scheduler-certs')}`,
      '--leader-elect=false',
      '--v=1'
    ])
    await this.waitHealthy(proc, 'kube-scheduler /healthz', timeoutMs, async () => {
      const r = await httpsGet(`https://127.0.0.1:${port}/healthz`, this.pki.clients.admin, 2000).catch(() => ({ status: 0, body: '' }))
      return r.status === 200
    })
  }

  async applyCrds (files: string[]): Promise<string[]> {
    return await applyCrds(this.kubeConfig(), files)
  }

  async kubectl (args: string[], opts: { input?: string, timeoutMs?: number } = {}): Promise<CommandResult> {
    return await runCommand(this.binaries.kubectl, [`--kubeconfig=${this.kubeconfigPath}`, ...args], { ...process.env, KUBECONFIG: this.kubeconfigPath }, opts)
  }

  async helm (args: string[], opts: { cwd?: string, timeoutMs?: number } = {}): Promise<CommandResult> {
    const home = path.join(this.stateDir, 'helm')
    const env = { ...process.env, KUBECONFIG: this.kubeconfigPath, HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') }
    return await runCommand(this.binaries.helm, args, env, opts)
  }

  logs (): string {
    return this.started.map(p => `--- ${p.name} (${p.logFile}) ---\n${p.tail(3000)}`).join('\n')
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    // Reverse start order: controllers first, etcd last.
    for (const proc of [...this.started].reverse()) {
      await proc.stop(proc.name === 'etcd' ? 5000 : 3000)
    }
    this.processes.close()
    if (this.init.keepState !== true) fs.rmSync(this.stateDir, { recursive: true, force: true })
  }
}

/** A real local control plane: etcd + kube-apiserver (+ controller-manager, scheduler) on free loopback ports. */
export function createControlPlane (init: ControlPlaneInit = {}, components: ControlPlaneComponents = {}): ControlPlane {
  return new LocalControlPlane(init, components)
}

/** Creates and starts a control plane. */
export async function startControlPlane (init: ControlPlaneInit = {}, components: ControlPlaneComponents = {}): Promise<ControlPlane> {
  const cp = createControlPlane(init, components)
  await cp.start()
  return cp
}
