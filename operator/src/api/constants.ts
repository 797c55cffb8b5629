/** Names shared by the CRDs, the builders and the controllers. */
export const GROUP = 'lattice.diotec360.com'
export const VERSION = 'v1alpha1'
export const API_VERSION = `${GROUP}/${VERSION}` as const
export const NETWORK_KIND = 'LatticeNetwork'
export const NETWORK_PLURAL = 'latticenetworks'
export const NODE_KIND = 'LatticeNode'
export const NODE_PLURAL = 'latticenodes'

/** Labels on every child; selectors use them. */
export const LABEL_NETWORK = `${GROUP}/network`
export const LABEL_NODE = `${GROUP}/node`
export const LABEL_ORDINAL = `${GROUP}/ordinal`
export const LABEL_COMPONENT = 'app.kubernetes.io/component'
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by'
export const LABEL_NAME = 'app.kubernetes.io/name'
export const LABEL_INSTANCE = 'app.kubernetes.io/instance'
export const MANAGED_BY = 'lattice-operator'

export const ANNOTATION_POD_SPEC_HASH = `${GROUP}/pod-spec-hash`
/** Finalizer on a LatticeNode whose PVC must outlive it (reclaimPolicy Retain): it orphans the PVC. */
export const FINALIZER_STORAGE = `${GROUP}/storage-reclaim`
export const FIELD_MANAGER = 'lattice-operator'

/** Defaults, identical to the CRD defaults (checked by crd-sync.test.ts). */
export const DEFAULTS = {
  replicas: 3,
  imagePullPolicy: 'IfNotPresent',
  logLevel: 'info',
  paused: false,
  sync: { mode: 'auto', heartbeatIntervalSeconds: 5, peerlessTimeoutSeconds: 60, httpPollIntervalSeconds: 10, topic: 'aethel/lattice/v1' },
  ports: { p2p: 9000, http: 8080 },
  storage: { size: '1Gi', reclaimPolicy: 'Retain' },
  service: { type: 'ClusterIP' },
  rollout: { progressDeadlineSeconds: 600 },
  networkPolicy: { enabled: true },
  tls: { mode: 'disabled', issuerKind: 'Issuer', issuerGroup: 'cert-manager.io', caBundleKind: 'ConfigMap', caBundleKey: 'ca.crt' }
} as const

/** Paths inside the node pod (the lattice-node env contract). */
export const PATHS = {
  dataMount: '/var/lib/lattice',
  dataDir: '/var/lib/lattice/data',
  identityDir: '/etc/lattice/identity',
  identityFile: '/etc/lattice/identity/identity.key',
  secretsDir: '/etc/lattice/secrets',
  pskFile: '/etc/lattice/secrets/psk',
  tokenFile: '/etc/lattice/secrets/token',
  peersDir: '/etc/lattice/peers',
  peersFile: '/etc/lattice/peers/peers.json',
  tlsDir: '/etc/lattice/tls',
  tlsCertFile: '/etc/lattice/tls/tls.crt',
  tlsKeyFile: '/etc/lattice/tls/tls.key',
  trustDir: '/etc/lattice/tls-trust',
  trustFile: '/etc/lattice/tls-trust/ca.crt',
  tmpDir: '/tmp'
} as const

export const SECRET_KEYS = { identity: 'identity.key', peerId: 'peer-id', psk: 'psk', token: 'token' } as const
export const PEERS_KEY = 'peers.json'
/** Keys of kubernetes.io/tls Secrets (also what cert-manager writes) and of the trust bundle ConfigMap. */
export const TLS_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const
/** Annotate a LatticeNetwork with a new value to rotate its operator-managed CA now. */
export const ANNOTATION_ROTATE_CA = `${GROUP}/rotate-ca`
export const NODE_UID = 10001
