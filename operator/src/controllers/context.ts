/** What every reconciler gets: API client, caches, events, metrics, prober, config, clock. */
import type {
  V1ConfigMap, V1NetworkPolicy, V1PersistentVolumeClaim, V1Pod, V1PodDisruptionBudget, V1Secret, V1Service
} from '@kubernetes/client-node'
import type { Logger } from '../../../packages/log/src/index.js'
import type { AddressMode, LatticeNetwork, LatticeNode } from '../api/types.js'
import type { KubeClient } from '../kube/client.js'
import type { EventRecorder } from '../kube/events.js'
import type { ResourceInformer } from '../kube/informer.js'
import type { OperatorMetrics } from '../metrics/metrics.js'
import type { NodeProber } from '../probe/prober.js'
import type { ExternalPeerMemory } from '../status/external-peers.js'

export interface Caches {
  networks: ResourceInformer<LatticeNetwork>
  nodes: ResourceInformer<LatticeNode>
  pods: ResourceInformer<V1Pod>
  services: ResourceInformer<V1Service>
  secrets: ResourceInformer<V1Secret>
  configMaps: ResourceInformer<V1ConfigMap>
  pvcs: ResourceInformer<V1PersistentVolumeClaim>
  pdbs: ResourceInformer<V1PodDisruptionBudget>
  networkPolicies: ResourceInformer<V1NetworkPolicy>
}

export interface OperatorConfig {
  clusterDomain: string
  addressMode: AddressMode
  probeIntervalMs: number
  probeTimeoutMs: number
  /** A node's root may differ from the network's this long before it is diverged. */
  divergenceGraceMs: number
  /** Namespace of the operator's pods (POD_NAMESPACE), for the nodes' NetworkPolicy; undefined: any. */
  operatorNamespace?: string
  /**
   * spec.tls: how long the kubelet may take to bring a changed Secret or ConfigMap into the pods (its
   * sync period plus its cache TTL, about a minute each by default). CA rotation waits this long between steps.
   */
  tlsPropagationMs: number
}

export interface OperatorContext {
  client: KubeClient
  caches: Caches
  events: EventRecorder
  metrics: OperatorMetrics
  prober: NodeProber
  logger: Logger
  config: OperatorConfig
  now: () => Date
  /** node key → network name, so a deleted node's metrics can be removed once the object is gone. */
  nodeNetworks: Map<string, string>
  /** `<namespace>/<network>` → external peer name → divergence bookkeeping (external-peers.ts). */
  externalPeerMemory: Map<string, Map<string, ExternalPeerMemory>>
}
