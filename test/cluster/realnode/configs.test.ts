import { describe, expect, it } from '@jest/globals'
import { cniConfig, containerdConfig, corefile, kubeletConfig, kubeProxyConfig, paths, type RealNodeLayout } from './configs.js'

function layout (over: Partial<RealNodeLayout> = {}): RealNodeLayout {
  return {
    stateDir: '/tmp/lattice-node-x',
    nodeName: 'n1',
    bridge: 'lattice0',
    nodeIp: '10.217.0.1',
    podCidr: '10.217.0.0/24',
    serviceCidr: '10.0.0.0/24',
    dnsServiceIp: '10.0.0.10',
    clusterDomain: 'cluster.local',
    cgroupRoot: 'lattice-realnode',
    sandboxImage: 'registry.k8s.io/pause:lattice',
    runcBinary: '/usr/sbin/runc',
    cniBinDir: '/usr/lib/cni',
    ports: { kubelet: 1, kubeletHealthz: 2, proxyHealthz: 3, proxyMetrics: 4, dnsReady: 5, dnsHealth: 6 },
    ...over
  }
}

describe('real node configuration', () => {
  it('keeps every containerd path under the node state dir', () => {
    const toml = containerdConfig(layout())
    const quoted = [...toml.matchAll(/'(\/[^']*)'/g)].map(m => m[1]).filter(p => !p.startsWith('/usr/'))
    expect(quoted.length).toBeGreaterThan(5)
    for (const p of quoted) expect(p.startsWith('/tmp/lattice-node-x/')).toBe(true)
    expect(toml).toContain("sandbox = 'registry.k8s.io/pause:lattice'")
    expect(toml).toContain('SystemdCgroup = false')
    expect(toml).toContain('netns_mounts_under_state_dir = true')
    expect(toml).toMatch(/disabled_plugins = \[[^\]]*io\.containerd\.nri\.v1\.nri/)
  })

  it('keeps the socket path within the unix socket limit for a typical temp dir', () => {
    expect(Buffer.byteLength(paths(layout({ stateDir: '/tmp/lattice-node-AbC123' })).containerdSocket)).toBeLessThan(108)
  })

  it('gives pods a bridge network that never masquerades to the outside', () => {
    const cni = cniConfig(layout()) as { plugins: Array<Record<string, unknown>> }
    const bridge = cni.plugins[0]
    expect(bridge).toMatchObject({ type: 'bridge', bridge: 'lattice0', isGateway: true, ipMasq: false })
    expect(bridge.ipam).toMatchObject({ type: 'host-local', ranges: [[{ subnet: '10.217.0.0/24', gateway: '10.217.0.1' }]], dataDir: '/tmp/lattice-node-x/cni/ipam' })
  })

  it('configures the kubelet for cgroup v1 with cgroupfs, cluster DNS and certificate authentication', () => {
    const k = kubeletConfig(layout(), { clientCaFile: '/ca.crt', certFile: '/k.crt', keyFile: '/k.key' })
    expect(k).toMatchObject({
      kind: 'KubeletConfiguration',
      cgroupDriver: 'cgroupfs',
      failCgroupV1: false,
      failSwapOn: false,
      cgroupRoot: 'lattice-realnode',
      clusterDNS: ['10.0.0.10'],
      address: '10.217.0.1',
      readOnlyPort: 0,
      authentication: { anonymous: { enabled: false }, x509: { clientCAFile: '/ca.crt' } },
      authorization: { mode: 'Webhook' },
      containerRuntimeEndpoint: 'unix:///tmp/lattice-node-x/containerd.sock'
    })
  })

  it('runs kube-proxy in nftables mode without touching conntrack sysctls', () => {
    expect(kubeProxyConfig(layout(), '/kp.kubeconfig')).toMatchObject({ mode: 'nftables', clusterCIDR: '10.217.0.0/24', conntrack: { maxPerCore: 0 }, nodePortAddresses: ['10.217.0.1/32'] })
  })

  it('answers only the cluster domain and forwards nothing', () => {
    const c = corefile(layout(), '/dns.kubeconfig')
    expect(c).toContain('kubernetes cluster.local in-addr.arpa')
    expect(c).toContain('bind 10.217.0.1')
    expect(c).not.toContain('forward')
    expect(c).toContain('rcode NXDOMAIN')
  })
})
