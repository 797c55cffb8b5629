/**
 * The node Pod. Its env is the lattice-node contract (seed variables plus AETHEL_*_FILE paths), written
 * through packages/contracts node-env.ts, the node's own table of variables.
 *
 * Peers and restarts: AETHEL_P2P_BOOTSTRAP, AETHEL_LATTICE_NODES and AETHEL_MEMBERS carry the node's
 * peers as of pod creation (what the seed shows, and what lets a node start even before the peers
 * file is mounted), but they are left out of the pod spec hash: the list that changes on scale
 * travels in the peers ConfigMap (AETHEL_PEERS_FILE), which the node re-reads. So a scale-up or a
 * pod-IP change never makes every pod look drifted, and a pod that is recreated for another reason
 * simply starts with the current list.
 */
import type { V1Container, V1EnvVar, V1Pod, V1PodSpec } from '@kubernetes/client-node'
import { ANNOTATION_POD_SPEC_HASH, NODE_UID, PATHS, PEERS_KEY, SECRET_KEYS, TLS_KEYS } from '../api/constants.js'
import { resolveTemplate, tlsEnabled } from '../api/defaults.js'
import type { LatticeNode } from '../api/types.js'
import { contentHash } from './hash.js'
import { controllerRef } from './owner.js'
import type { PeersFile } from '../../../packages/contracts/src/peers-file.js'
import { nodeEnv, type NodeEnvName } from '../../../packages/contracts/src/node-env.js'
import { headlessServiceName, identitySecretName, networkSecretName, nodeLabels, nodeTlsSecretName, peersConfigMapName, podName, pvcName, trustConfigMapName } from './names.js'

/** Env variables whose values are excluded from the pod spec hash (see above). */
export const PEER_ENV: readonly NodeEnvName[] = ['AETHEL_P2P_BOOTSTRAP', 'AETHEL_LATTICE_NODES', 'AETHEL_MEMBERS']

export const CONTAINER_NAME = 'lattice-node'

function env (node: LatticeNode, peers: PeersFile): V1EnvVar[] {
  const t = resolveTemplate(node.spec)
  const tls = tlsEnabled(node.spec)
  const field = (fieldPath: string): V1EnvVar['valueFrom'] => ({ fieldRef: { apiVersion: 'v1', fieldPath } })
  return [
    { name: 'POD_IP', valueFrom: field('status.podIP') },
    { name: 'POD_NAME', valueFrom: field('metadata.name') },
    { name: 'POD_NAMESPACE', valueFrom: field('metadata.namespace') },
    ...nodeEnv({
      AETHEL_P2P_ENABLED: 'true',
      // Each pod binds its own IP: with several pods on one host (the local kubelet) 0.0.0.0 would collide.
      AETHEL_P2P_LISTEN: `/ip4/$(POD_IP)/tcp/${t.ports.p2p}`,
      AETHEL_HTTP_LISTEN: `$(POD_IP):${t.ports.http}`,
      AETHEL_P2P_BOOTSTRAP: peers.bootstrap.join(','),
      AETHEL_LATTICE_NODES: peers.lattice_nodes.join(','),
      AETHEL_MEMBERS: peers.members.join(','),
      AETHEL_PEERS_FILE: PATHS.peersFile,
      AETHEL_DATA_DIR: PATHS.dataDir,
      AETHEL_IDENTITY_FILE: PATHS.identityFile,
      AETHEL_P2P_PSK_FILE: PATHS.pskFile,
      AETHEL_API_TOKEN_FILE: PATHS.tokenFile,
      AETHEL_P2P_TOPIC: t.sync.topic,
      AETHEL_HEARTBEAT_INTERVAL: String(t.sync.heartbeatIntervalSeconds),
      AETHEL_PEERLESS_TIMEOUT: String(t.sync.peerlessTimeoutSeconds),
      AETHEL_HTTP_POLL_INTERVAL: String(t.sync.httpPollIntervalSeconds),
      AETHEL_SYNC_MODE: t.sync.mode,
      // the node's default: a restarted pod's peers answer within it; a lone pod that lost its volume waits
      AETHEL_OWN_HEAD_TIMEOUT: undefined,
      AETHEL_LOG_LEVEL: t.logLevel,
      // HTTPS: the files are Secret/ConfigMap volumes the kubelet refreshes; the node reloads them
      AETHEL_TLS_CERT_FILE: tls ? PATHS.tlsCertFile : undefined,
      AETHEL_TLS_KEY_FILE: tls ? PATHS.tlsKeyFile : undefined,
      AETHEL_TLS_CA_FILE: tls ? PATHS.trustFile : undefined
    })
  ]
}

/** The CRD accepts numbers for quantities (int-or-string); the Pod API takes their string form. */
function quantities (r: NonNullable<LatticeNode['spec']['resources']>): { limits?: Record<string, string>, requests?: Record<string, string> } {
  const conv = (m: Record<string, string | number>): Record<string, string> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]))
  return {
    ...(r.limits !== undefined ? { limits: conv(r.limits) } : {}),
    ...(r.requests !== undefined ? { requests: conv(r.requests) } : {})
  }
}

function container (node: LatticeNode, peers: PeersFile): V1Container {
  const t = resolveTemplate(node.spec)
  const http = t.ports.http
  // scheme only with TLS: an unchanged pod spec (and hash) for networks without it
  const scheme = tlsEnabled(node.spec) ? { scheme: 'HTTPS' } : {}
  return {
    name: CONTAINER_NAME,
    image: t.image,
    imagePullPolicy: t.imagePullPolicy,
    ports: [
      { name: 'p2p', containerPort: t.ports.p2p, protocol: 'TCP' },
      { name: 'http', containerPort: http, protocol: 'TCP' }
    ],
    env: env(node, peers),
    ...(t.resources !== undefined ? { resources: quantities(t.resources) } : {}),
    readinessProbe: { httpGet: { path: '/readyz', port: http, ...scheme }, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/healthz', port: http, ...scheme }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: NODE_UID,
      runAsGroup: NODE_UID,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' }
    },
    volumeMounts: [
      { name: 'data', mountPath: PATHS.dataMount },
      { name: 'identity', mountPath: PATHS.identityDir, readOnly: true },
      { name: 'secrets', mountPath: PATHS.secretsDir, readOnly: true },
      { name: 'peers', mountPath: PATHS.peersDir, readOnly: true },
      { name: 'tmp', mountPath: PATHS.tmpDir },
      ...(tlsEnabled(node.spec)
        ? [{ name: 'tls', mountPath: PATHS.tlsDir, readOnly: true }, { name: 'tls-trust', mountPath: PATHS.trustDir, readOnly: true }]
        : [])
    ]
  }
}

function podSpec (node: LatticeNode, peers: PeersFile): V1PodSpec {
  const t = resolveTemplate(node.spec)
  const name = node.metadata.name ?? ''
  return {
    hostname: name,
    subdomain: headlessServiceName(node.spec.networkName),
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: NODE_UID,
      runAsGroup: NODE_UID,
      fsGroup: NODE_UID,
      seccompProfile: { type: 'RuntimeDefault' }
    },
    containers: [container(node, peers)],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: pvcName(name) } },
      { name: 'identity', secret: { secretName: identitySecretName(name), defaultMode: 0o400, items: [{ key: SECRET_KEYS.identity, path: SECRET_KEYS.identity }] } },
      { name: 'secrets', secret: { secretName: networkSecretName(node.spec.networkName), defaultMode: 0o400, items: [{ key: SECRET_KEYS.psk, path: SECRET_KEYS.psk }, { key: SECRET_KEYS.token, path: SECRET_KEYS.token }] } },
      { name: 'peers', configMap: { name: peersConfigMapName(node.spec.networkName), items: [{ key: PEERS_KEY, path: PEERS_KEY }] } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      ...(tlsEnabled(node.spec)
        ? [
            { name: 'tls', secret: { secretName: nodeTlsSecretName(name), defaultMode: 0o400, items: [{ key: TLS_KEYS.cert, path: TLS_KEYS.cert }, { key: TLS_KEYS.key, path: TLS_KEYS.key }] } },
            { name: 'tls-trust', configMap: { name: trustConfigMapName(node.spec.networkName), items: [{ key: TLS_KEYS.ca, path: TLS_KEYS.ca }] } }
          ]
        : [])
    ],
    ...(t.imagePullSecrets !== undefined && t.imagePullSecrets.length > 0 ? { imagePullSecrets: t.imagePullSecrets.map(s => ({ name: s.name })) } : {}),
    ...(t.priorityClassName !== undefined && t.priorityClassName !== '' ? { priorityClassName: t.priorityClassName } : {}),
    ...(t.nodeSelector !== undefined ? { nodeSelector: { ...t.nodeSelector } } : {}),
    ...(t.tolerations !== undefined ? { tolerations: t.tolerations } : {}),
    ...(t.affinity !== undefined ? { affinity: t.affinity } : {}),
    ...(t.topologySpreadConstraints !== undefined ? { topologySpreadConstraints: t.topologySpreadConstraints } : {})
  }
}

/** The user's extra pod metadata (spec.podTemplate.metadata), undefined when none is set. */
function extraMetadata (node: LatticeNode): PodMetadata | undefined {
  const m = node.spec.podTemplate?.metadata
  const labels = m?.labels ?? {}
  const annotations = m?.annotations ?? {}
  if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) return undefined
  return { labels, annotations }
}

interface PodMetadata { labels: Record<string, string>, annotations: Record<string, string> }

/**
 * Hash of a pod spec with the peer env values blanked: what drift is measured against. The user's
 * extra pod metadata is part of it (a changed label rolls the pods out like any template change);
 * without any, the hash is the spec's alone, as before the field existed.
 */
export function podSpecHash (spec: V1PodSpec, metadata?: PodMetadata): string {
  const blanked: V1PodSpec = {
    ...spec,
    containers: spec.containers.map(c => ({
      ...c,
      env: c.env?.map(e => (PEER_ENV as readonly string[]).includes(e.name) ? { name: e.name, value: '' } : e)
    }))
  }
  return contentHash(metadata === undefined ? blanked : { spec: blanked, metadata })
}

/** The hash the node's pod should carry; independent of the peers list by construction. */
export function desiredPodSpecHash (node: LatticeNode): string {
  return podSpecHash(podSpec(node, { bootstrap: [], lattice_nodes: [], members: [] }), extraMetadata(node))
}

export function buildPod (node: LatticeNode, peers: PeersFile): V1Pod {
  const name = node.metadata.name ?? ''
  const spec = podSpec(node, peers)
  const extra = extraMetadata(node)
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(name),
      namespace: node.metadata.namespace,
      // The operator's labels and annotations win over the user's: selectors and the hash depend on them.
      labels: { ...extra?.labels, ...nodeLabels(node.spec.networkName, name, node.spec.ordinal, 'node') },
      annotations: { ...extra?.annotations, [ANNOTATION_POD_SPEC_HASH]: podSpecHash(spec, extra) },
      ownerReferences: [controllerRef(node)]
    },
    spec
  }
}

export function podHashOf (pod: V1Pod | undefined): string | undefined {
  return pod?.metadata?.annotations?.[ANNOTATION_POD_SPEC_HASH]
}
