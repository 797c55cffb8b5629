/**
 * Defaults applied on the operator side too. The API server defaults objects it stores, but the
 * builders must not depend on that (objects made by hand in tests, older stored objects), so every
 * builder works on a resolved spec where every defaulted field is present.
 */
import { DEFAULTS } from './constants.js'
import type {
  CaBundleRef, IssuerRef, LatticeNetworkSpec, NetworkPolicySpec, NodeTemplateSpec, PortsSpec, RolloutSpec, ServiceSpec, StorageSpec, SyncSpec, TlsMode
} from './types.js'

export type ResolvedSync = Required<SyncSpec>
export type ResolvedPorts = Required<PortsSpec>
export type ResolvedStorage = Required<Pick<StorageSpec, 'size' | 'reclaimPolicy'>> & Pick<StorageSpec, 'storageClassName'>
export type ResolvedService = Required<Pick<ServiceSpec, 'type'>> & Pick<ServiceSpec, 'annotations'>

export interface ResolvedTls {
  mode: TlsMode
  issuerRef?: Required<IssuerRef>
  caBundleRef?: Required<CaBundleRef>
}

export interface ResolvedTemplate extends NodeTemplateSpec {
  imagePullPolicy: NonNullable<NodeTemplateSpec['imagePullPolicy']>
  logLevel: NonNullable<NodeTemplateSpec['logLevel']>
  sync: ResolvedSync
  ports: ResolvedPorts
  storage: ResolvedStorage
  service: ResolvedService
  tls: ResolvedTls
}

export interface ResolvedNetworkSpec extends ResolvedTemplate {
  replicas: number
  addressMode?: LatticeNetworkSpec['addressMode']
  paused: boolean
  externalPeers: NonNullable<LatticeNetworkSpec['externalPeers']>
  rollout: Required<RolloutSpec>
  networkPolicy: Required<NetworkPolicySpec>
}

export function resolveTemplate (spec: NodeTemplateSpec): ResolvedTemplate {
  return {
    ...spec,
    imagePullPolicy: spec.imagePullPolicy ?? DEFAULTS.imagePullPolicy,
    logLevel: spec.logLevel ?? DEFAULTS.logLevel,
    sync: { ...DEFAULTS.sync, ...stripUndefined(spec.sync ?? {}) },
    ports: { ...DEFAULTS.ports, ...stripUndefined(spec.ports ?? {}) },
    storage: { ...DEFAULTS.storage, ...stripUndefined(spec.storage ?? {}) },
    service: { ...DEFAULTS.service, ...stripUndefined(spec.service ?? {}) },
    tls: resolveTls(spec.tls ?? {})
  }
}

function resolveTls (tls: NonNullable<NodeTemplateSpec['tls']>): ResolvedTls {
  const d = DEFAULTS.tls
  return {
    mode: tls.mode ?? d.mode,
    ...(tls.issuerRef !== undefined ? { issuerRef: { name: tls.issuerRef.name, kind: tls.issuerRef.kind ?? d.issuerKind, group: tls.issuerRef.group ?? d.issuerGroup } } : {}),
    ...(tls.caBundleRef !== undefined ? { caBundleRef: { name: tls.caBundleRef.name, kind: tls.caBundleRef.kind ?? d.caBundleKind, key: tls.caBundleRef.key ?? d.caBundleKey } } : {})
  }
}

/** Whether the nodes serve HTTPS (any mode but disabled). */
export const tlsEnabled = (spec: NodeTemplateSpec): boolean => resolveTls(spec.tls ?? {}).mode !== 'disabled'

export function resolveNetworkSpec (spec: LatticeNetworkSpec): ResolvedNetworkSpec {
  return {
    ...resolveTemplate(spec),
    replicas: spec.replicas ?? DEFAULTS.replicas,
    ...(spec.addressMode !== undefined ? { addressMode: spec.addressMode } : {}),
    paused: spec.paused ?? DEFAULTS.paused,
    externalPeers: spec.externalPeers ?? [],
    rollout: { ...DEFAULTS.rollout, ...stripUndefined(spec.rollout ?? {}) },
    networkPolicy: { enabled: spec.networkPolicy?.enabled ?? DEFAULTS.networkPolicy.enabled, allowedSources: spec.networkPolicy?.allowedSources ?? [] }
  }
}

function stripUndefined<T extends object> (o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
