/**
 * TypeScript view of the CRDs in crds/ (lattice.diotec360.com/v1alpha1). crds/*.yaml is the source;
 * packages/testkit/src/operator/crd-shape.ts describes the same fields and `crd-sync.test.ts` checks the two against each other.
 */
import type { V1ObjectMeta, V1Toleration, V1Affinity, V1TopologySpreadConstraint, V1NetworkPolicyPeer } from '@kubernetes/client-node'

export type SyncModeSetting = 'p2p' | 'http' | 'auto'
export type EffectiveMode = 'P2P' | 'HTTP' | 'NONE'
export type AddressMode = 'dns' | 'podIP'
export type ReclaimPolicy = 'Retain' | 'Delete'
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never'
export type NodeLogLevel = 'error' | 'warn' | 'info' | 'debug'
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer'

export interface SyncSpec {
  mode?: SyncModeSetting
  heartbeatIntervalSeconds?: number
  peerlessTimeoutSeconds?: number
  httpPollIntervalSeconds?: number
  topic?: string
}

export interface PortsSpec {
  p2p?: number
  http?: number
}

export interface StorageSpec {
  size?: string | number
  storageClassName?: string
  reclaimPolicy?: ReclaimPolicy
}

export interface ResourcesSpec {
  limits?: Record<string, string | number>
  requests?: Record<string, string | number>
}

export interface ServiceSpec {
  type?: ServiceType
  annotations?: Record<string, string>
}

export type TlsMode = 'operator' | 'certManager' | 'disabled'

/** cert-manager's ObjectReference to an Issuer or ClusterIssuer. */
export interface IssuerRef {
  name: string
  kind?: 'Issuer' | 'ClusterIssuer'
  group?: string
}

/** A PEM bundle in a ConfigMap or Secret of the network's namespace. */
export interface CaBundleRef {
  kind?: 'ConfigMap' | 'Secret'
  name: string
  key?: string
}

export interface TlsSpec {
  mode?: TlsMode
  issuerRef?: IssuerRef
  caBundleRef?: CaBundleRef
}

export interface ExternalPeer {
  name: string
  multiaddr: string
  url?: string
}

/** A core/v1 LocalObjectReference. */
export interface LocalObjectReference {
  name: string
}

/** Metadata added to every node pod (cert-manager's podTemplate convention). */
export interface PodTemplateSpec {
  metadata?: {
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
}

/** The node pods' NetworkPolicy. */
export interface NetworkPolicySpec {
  enabled?: boolean
  /** networking.k8s.io/v1 NetworkPolicyPeer list. */
  allowedSources?: V1NetworkPolicyPeer[]
}

export interface RolloutSpec {
  progressDeadlineSeconds?: number
}

/** Fields a LatticeNetwork passes down to each of its LatticeNodes. */
export interface NodeTemplateSpec {
  image: string
  imagePullPolicy?: PullPolicy
  logLevel?: NodeLogLevel
  sync?: SyncSpec
  ports?: PortsSpec
  storage?: StorageSpec
  resources?: ResourcesSpec
  nodeSelector?: Record<string, string>
  tolerations?: V1Toleration[]
  affinity?: V1Affinity
  topologySpreadConstraints?: V1TopologySpreadConstraint[]
  service?: ServiceSpec
  imagePullSecrets?: LocalObjectReference[]
  priorityClassName?: string
  podTemplate?: PodTemplateSpec
  tls?: TlsSpec
}

export interface LatticeNetworkSpec extends NodeTemplateSpec {
  replicas?: number
  addressMode?: AddressMode
  paused?: boolean
  externalPeers?: ExternalPeer[]
  rollout?: RolloutSpec
  networkPolicy?: NetworkPolicySpec
}

export type ConditionStatus = 'True' | 'False' | 'Unknown'

/** metav1.Condition */
export interface Condition {
  type: string
  status: ConditionStatus
  observedGeneration?: number
  lastTransitionTime: string
  reason: string
  message: string
}

export interface NetworkNodeStatus {
  name: string
  peerId?: string
  podIP?: string
  up?: boolean
  ready?: boolean
  synced?: boolean
  diverged?: boolean
  divergingSince?: string
  mode?: string
  peerCount?: number
  merkleRoot?: string
  podSpecHash?: string
}

export interface LatticeNetworkStatus {
  observedGeneration?: number
  replicas?: number
  readyReplicas?: number
  syncedReplicas?: number
  updatedReplicas?: number
  ready?: string
  peers?: number
  mode?: string
  merkleRoot?: string
  merkleRootShort?: string
  /** Label selector of the node pods (the scale subresource's labelSelectorPath). */
  selector?: string
  divergentNodes?: string[]
  divergentNodeCount?: number
  currentPodSpecHash?: string
  rolloutNode?: string
  rolloutStartTime?: string
  nodes?: NetworkNodeStatus[]
  conditions?: Condition[]
}

export interface LatticeNetwork {
  apiVersion: 'lattice.diotec360.com/v1alpha1'
  kind: 'LatticeNetwork'
  metadata: V1ObjectMeta
  spec: LatticeNetworkSpec
  status?: LatticeNetworkStatus
}

export interface LatticeNodeSpec extends NodeTemplateSpec {
  networkName: string
  ordinal?: number
}

export interface LatticeNodeStatus {
  observedGeneration?: number
  peerId?: string
  podName?: string
  podIP?: string
  podSpecHash?: string
  up?: boolean
  ready?: boolean
  lastProbeTime?: string
  peerCount?: number
  hasPeers?: boolean
  syncMode?: string
  mode?: string
  httpSyncEnabled?: boolean
  heartbeatActive?: boolean
  merkleRoot?: string
  merkleRootShort?: string
  recordCount?: number
  lastSync?: string
  diverged?: boolean
  divergingSince?: string
  conditions?: Condition[]
}

export interface LatticeNode {
  apiVersion: 'lattice.diotec360.com/v1alpha1'
  kind: 'LatticeNode'
  metadata: V1ObjectMeta
  spec: LatticeNodeSpec
  status?: LatticeNodeStatus
}
