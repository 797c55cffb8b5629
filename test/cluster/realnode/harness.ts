import { afterAll, beforeAll } from '@jest/globals'
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node'
import type { CommandResult, ControlPlane } from '../controlplane.js'
import { createTestNamespace } from '../namespace.js'
import { registerDump } from '../../../packages/testkit/src/index.js'
import { startRealNodeCluster, type RealNode, type RealNodeCluster } from './node.js'

/** The environment variable that turns the real node suites on (they need root, ~1 GB of builds, and minutes). */
export const REAL_NODE_ENV = 'LATTICE_REAL_NODE'

/** Why the real node suites do not run here, or undefined when they do. */
export function realNodeSkipReason (): string | undefined {
  if (process.env[REAL_NODE_ENV] !== '1') return `${REAL_NODE_ENV}=1 is not set (\`make test\` sets it; the real node needs root and \`make realnode\`)`
  return undefined
}

export interface RealNodeSuiteOptions {
  /** Image archives loaded into containerd before the kubelet starts (e.g. `podman save` output). */
  imageArchives?: () => string[]
  /** CRDs applied at start (default <repo>/crds). */
  crdsDir?: string | false
  namespacePrefix?: string
}

/** What a suite gets: a control plane, a real node, and a fresh namespace. */
export interface RealNodeContext {
  readonly namespace: string
  readonly controlPlane: ControlPlane
  readonly node: RealNode
  kubeConfig: () => KubeConfig
  kubectl: (args: string[], opts?: { input?: string, timeoutMs?: number }) => Promise<CommandResult>
  /** Pods, container states and recent events of the namespace, and the node's component logs. */
  diagnostics: () => Promise<string>
}

class RealNodeSuite implements RealNodeContext {
  namespace = ''
  controlPlane!: ControlPlane
  node!: RealNode
  private cluster: RealNodeCluster | undefined

  kubeConfig (): KubeConfig {
    return this.controlPlane.kubeConfig()
  }

  async kubectl (args: string[], opts: { input?: string, timeoutMs?: number } = {}): Promise<CommandResult> {
    return await this.controlPlane.kubectl(args, opts)
  }

  async diagnostics (): Promise<string> {
    const lines: string[] = []
    try {
      const core = this.kubeConfig().makeApiClient(CoreV1Api)
      const pods = await core.listNamespacedPod({ namespace: this.namespace })
      const events = await core.listNamespacedEvent({ namespace: this.namespace })
      lines.push(...pods.items.map(p => `pod ${p.metadata?.name} phase=${p.status?.phase} ip=${p.status?.podIP} containers=${JSON.stringify(p.status?.containerStatuses?.map(c => ({ n: c.name, ready: c.ready, restarts: c.restartCount, state: c.state, last: c.lastState })))}`))
      lines.push(...events.items.slice(-30).map(e => `event ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason} ${e.message}`))
    } catch (err) {
      lines.push(`(API diagnostics failed: ${(err as Error).message})`)
    }
    lines.push(this.node?.logs() ?? '')
    return lines.join('\n')
  }

  async setUp (opts: RealNodeSuiteOptions, suiteName: string): Promise<void> {
    this.cluster = await startRealNodeCluster({ crdsDir: opts.crdsDir, imageArchives: opts.imageArchives?.() })
    this.controlPlane = this.cluster.controlPlane
    this.node = this.cluster.node
    this.namespace = await createTestNamespace(this.kubeConfig(), opts.namespacePrefix ?? suiteName)
    // Dumped by the kit's jest environment when a test of the suite fails.
    registerDump({ name: `real node, namespace ${this.namespace}`, dump: async () => await this.diagnostics(), live: () => this.cluster !== undefined })
  }

  async tearDown (): Promise<void> {
    await this.cluster?.stop()
    this.cluster = undefined
  }
}

/**
 * Jest helper for a suite on a real node: beforeAll starts a private control plane bound to the
 * node's bridge address and a real node (containerd, kubelet, kube-proxy, CoreDNS), afterAll stops
 * both and undoes every host change, even on failure.
 */
export function useRealNode (opts: RealNodeSuiteOptions = {}, suiteName = 'realnode'): RealNodeContext {
  const ctx = new RealNodeSuite()
  // Generous: another real node suite of the same run may hold the machine's real node lock.
  beforeAll(async () => { await ctx.setUp(opts, suiteName) }, 720_000)
  afterAll(async () => { await ctx.tearDown() }, 120_000)
  return ctx
}
