/**
 * The real node's configuration files as pure functions of a layout (paths, addresses, ports), so
 * they can be read and tested without starting anything.
 */

/** Where everything of one real node lives and which addresses it uses. */
export interface RealNodeLayout {
  /** Temp dir holding every state, socket, config and log of this node. */
  stateDir: string
  nodeName: string
  /** Linux bridge the pods' veths attach to; the host's address on it is `nodeIp`. */
  bridge: string
  /** The node's address: the bridge's gateway address, where the API server, kubelet and CoreDNS listen. */
  nodeIp: string
  /** Pod network (host-local IPAM), e.g. 10.217.0.0/24. */
  podCidr: string
  serviceCidr: string
  /** kube-dns Service ClusterIP (the kubelet's clusterDNS). */
  dnsServiceIp: string
  clusterDomain: string
  /** cgroup (in every v1 hierarchy) under which the kubelet puts kubepods. */
  cgroupRoot: string
  /** Sandbox ("pause") image reference, loaded into containerd before the kubelet starts. */
  sandboxImage: string
  /** Directories of the runc binary and the CNI plugins. */
  runcBinary: string
  cniBinDir: string
  ports: { kubelet: number, kubeletHealthz: number, proxyHealthz: number, proxyMetrics: number, dnsReady: number, dnsHealth: number }
}

export function paths (l: RealNodeLayout): {
  containerdConfig: string
  containerdSocket: string
  containerdRoot: string
  containerdState: string
  runcRoot: string
  registryHostsDir: string
  cniConfDir: string
  cniDataDir: string
  kubeletRoot: string
  kubeletConfig: string
  podLogs: string
  emptyResolvConf: string
  kubeProxyConfig: string
  corefile: string
  volumes: string
} {
  const d = (p: string): string => `${l.stateDir}/${p}`
  return {
    containerdConfig: d('containerd.toml'),
    // unix socket paths are limited to 108 bytes: keep it short and at the top.
    containerdSocket: d('containerd.sock'),
    containerdRoot: d('containerd/root'),
    containerdState: d('containerd/state'),
    runcRoot: d('containerd/runc'),
    registryHostsDir: d('containerd/certs.d'),
    cniConfDir: d('cni/net.d'),
    cniDataDir: d('cni/ipam'),
    kubeletRoot: d('kubelet'),
    kubeletConfig: d('kubelet.yaml'),
    podLogs: d('pod-logs'),
    emptyResolvConf: d('resolv.conf'),
    kubeProxyConfig: d('kube-proxy.yaml'),
    corefile: d('Corefile'),
    volumes: d('volumes')
  }
}

/**
 * containerd 2.x (config version 3). Every path under the state dir (root, state, runc root,
 * network namespaces, opt), CRI with runc and the cgroupfs driver, the CNI conf dir of this node,
 * and no plugin that writes to a machine-wide path (NRI's socket) or needs a kernel feature that is
 * not here (btrfs, zfs, devmapper).
 */
export function containerdConfig (l: RealNodeLayout): string {
  const p = paths(l)
  return `version = 3
root = ${toml(p.containerdRoot)}
state = ${toml(p.containerdState)}
disabled_plugins = ['io.containerd.nri.v1.nri', 'io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.devmapper', 'io.containerd.tracing.processor.v1.otlp', 'io.containerd.internal.v1.tracing']

[grpc]
  address = ${toml(p.containerdSocket)}

[plugins.'io.containerd.internal.v1.opt']
  path = ${toml(`${l.stateDir}/containerd/opt`)}

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = ${toml(p.registryHostsDir)}
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = ${toml(l.sandboxImage)}

[plugins.'io.containerd.cri.v1.runtime']
  enable_selinux = false
  netns_mounts_under_state_dir = true
  # Without CAP_SYS_RESOURCE (sandboxed machines) no process may lower its oom_score_adj: the
  # sandbox's -998 and a Guaranteed pod's -997 are raised to containerd's own (0) instead.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = 'runc'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = ${toml(l.runcBinary)}
        Root = ${toml(p.runcRoot)}
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = [${toml(l.cniBinDir)}]
    conf_dir = ${toml(p.cniConfDir)}
    max_conf_num = 1

[plugins.'io.containerd.grpc.v1.cri']
  disable_tcp_service = true
  stream_server_address = '127.0.0.1'
  stream_server_port = '0'
`
}

/**
 * `<registryHostsDir>/_default/hosts.toml`: every registry is a closed loopback port, so a pull of
 * an image that was not loaded fails at once (ErrImagePull, then ImagePullBackOff) without a DNS
 * query or a connection leaving this machine.
 */
export const NO_REGISTRY_HOSTS_TOML = `# No registry is reachable from the test machines and none may be tried.
server = "http://127.0.0.1:9"

[host."http://127.0.0.1:9"]
  capabilities = ["pull", "resolve"]
`

/** The pod network: a bridge with the node as gateway, host-local addresses, no masquerade (pods never reach beyond this machine). */
export function cniConfig (l: RealNodeLayout): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: 'lattice',
    plugins: [
      {
        type: 'bridge',
        bridge: l.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: l.podCidr, gateway: l.nodeIp }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: paths(l).cniDataDir }
      },
      { type: 'portmap', capabilities: { portMappings: true } }
    ]
  }
}

/**
 * KubeletConfiguration: cgroup v1 with the cgroupfs driver (no systemd here), its own root, log
 * and plugin dirs, x509 + webhook authn/authz against the API server, CoreDNS through the kube-dns
 * Service, no swap check, and eviction and image GC thresholds that a busy shared disk never
 * reaches (a test must not lose its pods or images to a neighbour's files).
 */
export function kubeletConfig (l: RealNodeLayout, tls: { clientCaFile: string, certFile: string, keyFile: string }): Record<string, unknown> {
  const p = paths(l)
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: l.nodeIp,
    port: l.ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: l.ports.kubeletHealthz,
    tlsCertFile: tls.certFile,
    tlsPrivateKeyFile: tls.keyFile,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: tls.clientCaFile } },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: l.cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    failCgroupV1: false,
    failSwapOn: false,
    clusterDomain: l.clusterDomain,
    clusterDNS: [l.dnsServiceIp],
    // Pods resolve only cluster names: no search domains or nameservers of the host.
    resolvConf: p.emptyResolvConf,
    podLogsDir: p.podLogs,
    volumePluginDir: `${p.kubeletRoot}/volume-plugins`,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
    // Status every 10 s, heartbeats through the node Lease: the same as a production kubelet.
    nodeStatusUpdateFrequency: '10s',
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    registerNode: true,
    maxPods: 110,
    // The host's kernel settings are not the kubelet's to judge here; it sets what it needs.
    protectKernelDefaults: false,
    // Its own -999 needs CAP_SYS_RESOURCE, which sandboxed machines do not grant.
    oomScoreAdj: 0
  }
}

/** kube-proxy in nftables mode: everything in its own `kube-proxy` tables, none of the host's iptables chains touched, conntrack sysctls left alone. */
export function kubeProxyConfig (l: RealNodeLayout, kubeconfig: string): Record<string, unknown> {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'nftables',
    clientConnection: { kubeconfig },
    hostnameOverride: l.nodeName,
    clusterCIDR: l.podCidr,
    detectLocalMode: 'ClusterCIDR',
    healthzBindAddress: `127.0.0.1:${l.ports.proxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${l.ports.proxyMetrics}`,
    nodePortAddresses: [`${l.nodeIp}/32`],
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    // Its default -999 needs CAP_SYS_RESOURCE (see the kubelet's).
    oomScoreAdj: 0
  }
}

/**
 * CoreDNS as a host process on the node address (the kube-dns Service's endpoint). It answers the
 * cluster domain from the API server and NXDOMAIN for every other name: nothing is forwarded, so no
 * query leaves this machine.
 */
export function corefile (l: RealNodeLayout, kubeconfig: string): string {
  return `${l.clusterDomain}:53 in-addr.arpa:53 {
    bind ${l.nodeIp}
    errors
    ready 127.0.0.1:${l.ports.dnsReady}
    health 127.0.0.1:${l.ports.dnsHealth}
    kubernetes ${l.clusterDomain} in-addr.arpa {
        kubeconfig ${kubeconfig} lattice-local
        pods insecure
        ttl 5
    }
    cache 5
}
.:53 {
    bind ${l.nodeIp}
    errors
    template ANY ANY {
        rcode NXDOMAIN
    }
}
`
}

function toml (s: string): string {
  return `'${s.replace(/'/g, '')}'`
}
