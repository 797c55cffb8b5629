/**
 * A TypeScript-side description of every CRD field. `Fields<T>` forces one entry per property of the
 * TS interface (the compiler catches a field added to the type but not here); operator/src/api/crd-sync.test.ts walks
 * crds/*.yaml and checks each schema node against these entries (names, types, required, enums,
 * defaults), so the YAML and the types cannot drift apart silently.
 */
import type {
  Condition, ExternalPeer, LocalObjectReference, NetworkPolicySpec, PodTemplateSpec, LatticeNetworkSpec, LatticeNetworkStatus, LatticeNodeSpec, LatticeNodeStatus,
  NetworkNodeStatus, NodeTemplateSpec, PortsSpec, ResourcesSpec, RolloutSpec, ServiceSpec, StorageSpec, SyncSpec,
  TlsSpec, IssuerRef, CaBundleRef
} from '../../../../operator/src/api/types.js'
import { DEFAULTS } from '../../../../operator/src/api/constants.js'

export type FieldType = 'string' | 'integer' | 'boolean' | 'object' | 'array' | 'int-or-string' | 'map' | 'opaque'

export interface Field {
  type: FieldType
  required?: boolean
  default?: unknown
  enum?: readonly string[]
  /** object: its properties */
  fields?: Record<string, Field>
  /** array: its items */
  items?: Field
  /** map: the type of its values */
  values?: Field
}

export type Fields<T> = { [K in keyof Required<T>]-?: Field }

const str = (extra: Partial<Field> = {}): Field => ({ type: 'string', ...extra })
const int = (extra: Partial<Field> = {}): Field => ({ type: 'integer', ...extra })
const bool = (extra: Partial<Field> = {}): Field => ({ type: 'boolean', ...extra })
function obj<T> (fields: Fields<T>, extra: Partial<Field> = {}): Field {
  return { type: 'object', fields: fields as Record<string, Field>, ...extra }
}
const arr = (items: Field): Field => ({ type: 'array', items })
const map = (values: Field): Field => ({ type: 'map', values })
const opaque = (): Field => ({ type: 'opaque' })

const syncShape: Fields<SyncSpec> = {
  mode: str({ enum: ['p2p', 'http', 'auto'], default: DEFAULTS.sync.mode }),
  heartbeatIntervalSeconds: int({ default: DEFAULTS.sync.heartbeatIntervalSeconds }),
  peerlessTimeoutSeconds: int({ default: DEFAULTS.sync.peerlessTimeoutSeconds }),
  httpPollIntervalSeconds: int({ default: DEFAULTS.sync.httpPollIntervalSeconds }),
  topic: str({ default: DEFAULTS.sync.topic })
}
const portsShape: Fields<PortsSpec> = {
  p2p: int({ default: DEFAULTS.ports.p2p }),
  http: int({ default: DEFAULTS.ports.http })
}
const storageShape: Fields<StorageSpec> = {
  size: { type: 'int-or-string', default: DEFAULTS.storage.size },
  storageClassName: str(),
  reclaimPolicy: str({ enum: ['Retain', 'Delete'], default: DEFAULTS.storage.reclaimPolicy })
}
const resourcesShape: Fields<ResourcesSpec> = {
  limits: map({ type: 'int-or-string' }),
  requests: map({ type: 'int-or-string' })
}
const serviceShape: Fields<ServiceSpec> = {
  type: str({ enum: ['ClusterIP', 'NodePort', 'LoadBalancer'], default: DEFAULTS.service.type }),
  annotations: map(str())
}
const externalPeerShape: Fields<ExternalPeer> = {
  name: str({ required: true }),
  multiaddr: str({ required: true }),
  url: str()
}
const localObjectReferenceShape: Fields<LocalObjectReference> = {
  name: str({ required: true })
}
const podTemplateShape: Fields<PodTemplateSpec> = {
  metadata: { type: 'object', fields: { labels: map(str()), annotations: map(str()) } }
}
const networkPolicyShape: Fields<NetworkPolicySpec> = {
  enabled: bool({ default: DEFAULTS.networkPolicy.enabled }),
  allowedSources: arr(opaque())
}
const issuerRefShape: Fields<IssuerRef> = {
  name: str({ required: true }),
  kind: str({ enum: ['Issuer', 'ClusterIssuer'], default: DEFAULTS.tls.issuerKind }),
  group: str({ default: DEFAULTS.tls.issuerGroup })
}
const caBundleRefShape: Fields<CaBundleRef> = {
  kind: str({ enum: ['ConfigMap', 'Secret'], default: DEFAULTS.tls.caBundleKind }),
  name: str({ required: true }),
  key: str({ default: DEFAULTS.tls.caBundleKey })
}
const tlsShape: Fields<TlsSpec> = {
  mode: str({ enum: ['operator', 'certManager', 'disabled'], default: DEFAULTS.tls.mode }),
  issuerRef: obj(issuerRefShape),
  caBundleRef: obj(caBundleRefShape)
}
const rolloutShape: Fields<RolloutSpec> = {
  progressDeadlineSeconds: int({ default: DEFAULTS.rollout.progressDeadlineSeconds })
}
const conditionShape: Fields<Condition> = {
  type: str({ required: true }),
  status: str({ required: true, enum: ['True', 'False', 'Unknown'] }),
  observedGeneration: int(),
  lastTransitionTime: str({ required: true }),
  reason: str({ required: true }),
  message: str({ required: true })
}

const templateShape: Fields<NodeTemplateSpec> = {
  image: str({ required: true }),
  imagePullPolicy: str({ enum: ['Always', 'IfNotPresent', 'Never'], default: DEFAULTS.imagePullPolicy }),
  logLevel: str({ enum: ['error', 'warn', 'info', 'debug'], default: DEFAULTS.logLevel }),
  sync: obj(syncShape, { default: {} }),
  ports: obj(portsShape, { default: {} }),
  storage: obj(storageShape, { default: {} }),
  resources: obj(resourcesShape),
  nodeSelector: map(str()),
  tolerations: arr(opaque()),
  affinity: opaque(),
  topologySpreadConstraints: arr(opaque()),
  service: obj(serviceShape, { default: {} }),
  imagePullSecrets: arr(obj(localObjectReferenceShape)),
  priorityClassName: str(),
  podTemplate: obj(podTemplateShape),
  tls: obj(tlsShape, { default: {} })
}

export const networkSpecShape: Fields<LatticeNetworkSpec> = {
  ...templateShape,
  replicas: int({ default: DEFAULTS.replicas }),
  addressMode: str({ enum: ['dns', 'podIP'] }),
  paused: bool({ default: DEFAULTS.paused }),
  externalPeers: arr(obj(externalPeerShape)),
  rollout: obj(rolloutShape, { default: {} }),
  networkPolicy: obj(networkPolicyShape, { default: {} })
}

const networkNodeShape: Fields<NetworkNodeStatus> = {
  name: str({ required: true }),
  peerId: str(),
  podIP: str(),
  up: bool(),
  ready: bool(),
  synced: bool(),
  diverged: bool(),
  divergingSince: str(),
  mode: str(),
  peerCount: int(),
  merkleRoot: str(),
  podSpecHash: str()
}

export const networkStatusShape: Fields<LatticeNetworkStatus> = {
  observedGeneration: int(),
  replicas: int(),
  readyReplicas: int(),
  syncedReplicas: int(),
  updatedReplicas: int(),
  ready: str(),
  peers: int(),
  mode: str(),
  merkleRoot: str(),
  merkleRootShort: str(),
  selector: str(),
  divergentNodes: arr(str()),
  divergentNodeCount: int(),
  currentPodSpecHash: str(),
  rolloutNode: str(),
  rolloutStartTime: str(),
  nodes: arr(obj(networkNodeShape)),
  conditions: arr(obj(conditionShape))
}

export const nodeSpecShape: Fields<LatticeNodeSpec> = {
  ...templateShape,
  networkName: str({ required: true }),
  ordinal: int()
}

export const nodeStatusShape: Fields<LatticeNodeStatus> = {
  observedGeneration: int(),
  peerId: str(),
  podName: str(),
  podIP: str(),
  podSpecHash: str(),
  up: bool(),
  ready: bool(),
  lastProbeTime: str(),
  peerCount: int(),
  hasPeers: bool(),
  syncMode: str(),
  mode: str(),
  httpSyncEnabled: bool(),
  heartbeatActive: bool(),
  merkleRoot: str(),
  merkleRootShort: str(),
  recordCount: int(),
  lastSync: str(),
  diverged: bool(),
  divergingSince: str(),
  conditions: arr(obj(conditionShape))
}

/** The two CRDs as the test sees them: file name under crds/, kind, and the spec/status shapes. */
export const CRD_SHAPES = [
  { file: 'latticenetworks.yaml', kind: 'LatticeNetwork', shortName: 'lnet', spec: obj(networkSpecShape), status: obj(networkStatusShape) },
  { file: 'latticenodes.yaml', kind: 'LatticeNode', shortName: 'lnode', spec: obj(nodeSpecShape), status: obj(nodeStatusShape) }
] as const
