// The kubelet's Node object and its heartbeat (Node conditions + kube-node-lease Lease), kept apart from pod handling.
import os from 'node:os'
import { CoordinationV1Api, CoreV1Api, V1MicroTime, type KubeConfig, type V1Node } from '@kubernetes/client-node'
import type { Logger } from '../../../packages/log/src/index.js'
import { errCode, mergePatch } from './api-calls.js'

export interface NodeRegistrationInit {
  nodeName: string
  labels?: Record<string, string>
  heartbeatMs?: number
  /** The kubelet API port published in the Node's daemonEndpoints (0: none). */
  kubeletPort: number
}

export interface NodeRegistrationComponents {
  kubeConfig: KubeConfig
  logger: Logger
}

export interface NodeRegistration {
  /** Creates (or updates) the Node, takes its Lease, then renews both every heartbeatMs. */
  start: () => Promise<void>
  /** Stops the heartbeat (the Node stays). */
  stop: () => void
}

function nodeConditions (now: Date): NonNullable<NonNullable<V1Node['status']>['conditions']> {
  const c = (type: string, status: string, reason: string): { type: string, status: string, reason: string, message: string, lastHeartbeatTime: Date, lastTransitionTime: Date } =>
    ({ type, status, reason, message: reason, lastHeartbeatTime: now, lastTransitionTime: now })
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID'),
    c('Ready', 'True', 'KubeletReady')
  ]
}

function nodeObject (init: NodeRegistrationInit): V1Node {
  const now = new Date()
  const capacity = { cpu: String(Math.max(4, os.cpus().length)), memory: `${Math.floor(os.totalmem() / 1024 / 1024)}Mi`, pods: '110', 'ephemeral-storage': '100Gi' }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: init.nodeName,
      labels: { 'kubernetes.io/hostname': init.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'lattice.diotec360.com/local-kubelet': 'true', ...(init.labels ?? {}) }
    },
    spec: {},
    status: {
      capacity,
      allocatable: capacity,
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: init.nodeName }],
      conditions: nodeConditions(now),
      daemonEndpoints: { kubeletEndpoint: { Port: init.kubeletPort } },
      nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', osImage: 'lattice local kubelet', kernelVersion: os.release(), kubeletVersion: 'v0.0.0-lattice', kubeProxyVersion: '', containerRuntimeVersion: 'local://process', machineID: '', systemUUID: '', bootID: '' }
    }
  }
}

class ApiNodeRegistration implements NodeRegistration {
  private readonly init: NodeRegistrationInit
  private readonly core: CoreV1Api
  private readonly coord: CoordinationV1Api
  private readonly log: Logger
  private heartbeat: NodeJS.Timeout | undefined
  private stopped = false

  constructor (init: NodeRegistrationInit, components: NodeRegistrationComponents) {
    this.init = init
    this.core = components.kubeConfig.makeApiClient(CoreV1Api)
    this.coord = components.kubeConfig.makeApiClient(CoordinationV1Api)
    this.log = components.logger
  }

  async start (): Promise<void> {
    await this.register()
    await this.renewLease()
    this.heartbeat = setInterval(() => { void this.beat() }, this.init.heartbeatMs ?? 10_000)
  }

  stop (): void {
    this.stopped = true
    if (this.heartbeat != null) clearInterval(this.heartbeat)
  }

  private async register (): Promise<void> {
    const node = nodeObject(this.init)
    try {
      await this.core.createNode({ body: node })
    } catch (err) {
      if (errCode(err) !== 409) throw err
    }
    await this.core.patchNodeStatus({ name: this.init.nodeName, body: { status: node.status } }, mergePatch)
  }

  private async renewLease (): Promise<void> {
    const name = this.init.nodeName
    const namespace = 'kube-node-lease'
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new V1MicroTime() }
    try {
      const lease = await this.coord.readNamespacedLease({ name, namespace })
      lease.spec = { ...lease.spec, ...spec }
      await this.coord.replaceNamespacedLease({ name, namespace, body: lease })
    } catch (err) {
      if (errCode(err) !== 404) throw err
      await this.coord.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } })
    }
  }

  private async beat (): Promise<void> {
    if (this.stopped) return
    try {
      await this.renewLease()
      await this.core.patchNodeStatus({ name: this.init.nodeName, body: { status: { conditions: nodeConditions(new Date()) } } }, mergePatch)
    } catch (err) {
      if (!this.stopped) this.log.warn('node heartbeat failed', { err: (err as Error).message })
    }
  }
}

export function createNodeRegistration (init: NodeRegistrationInit, components: NodeRegistrationComponents): NodeRegistration {
  return new ApiNodeRegistration(init, components)
}
