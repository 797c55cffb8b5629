import { describe, expect, it } from '@jest/globals'
import { ConfigError, HelpRequested, parseConfig, VersionRequested } from './config.js'

describe('operator config', () => {
  it('defaults: cluster-wide, no leader election, :8080/:8081, 5 s probes, dns, cluster.local', () => {
    expect(parseConfig([], {})).toEqual({
      leaderElect: false,
      leaderElectionNamespace: 'default',
      metricsAddr: { host: '0.0.0.0', port: 8080 },
      healthAddr: { host: '0.0.0.0', port: 8081 },
      probeIntervalSeconds: 5,
      addressMode: 'dns',
      clusterDomain: 'cluster.local',
      logLevel: 'info'
    })
  })
  it('env, then flags over env', () => {
    const c = parseConfig(['--kubeconfig', '/k', '--address-mode=podIP', '--probe-interval-seconds', '0.5'], {
      LATTICE_WATCH_NAMESPACE: 'team-a', LATTICE_LEADER_ELECT: 'true', LATTICE_ADDRESS_MODE: 'dns', LATTICE_METRICS_ADDR: '127.0.0.1:0', POD_NAMESPACE: 'ops'
    })
    expect(c).toMatchObject({ kubeconfig: '/k', watchNamespace: 'team-a', leaderElect: true, leaderElectionNamespace: 'ops', addressMode: 'podIP', probeIntervalSeconds: 0.5, metricsAddr: { host: '127.0.0.1', port: 0 } })
  })
  it.each([
    ['LATTICE_ADDRESS_MODE', 'ip'],
    ['LATTICE_PROBE_INTERVAL_SECONDS', '0'],
    ['LATTICE_PROBE_INTERVAL_SECONDS', 'abc'],
    ['LATTICE_LEADER_ELECT', 'yes'],
    ['LATTICE_METRICS_ADDR', '8080'],
    ['LATTICE_HEALTH_ADDR', ':70000'],
    ['LATTICE_WATCH_NAMESPACE', 'Bad_NS'],
    ['LATTICE_LOG_LEVEL', 'trace']
  ])('a bad %s=%s is a ConfigError naming it', (variable, value) => {
    let caught: unknown
    try { parseConfig([], { [variable]: value }) } catch (err) { caught = err }
    expect(caught).toBeInstanceOf(ConfigError)
    expect((caught as ConfigError).variable).toBe(variable)
    expect((caught as ConfigError).message).toContain(variable)
  })
  it('--kubeconfig is a flag only: KUBECONFIG (a list) is left to the kubeconfig loader', () => {
    expect(parseConfig([], { KUBECONFIG: '/a:/b' }).kubeconfig).toBeUndefined()
    expect(parseConfig(['--kubeconfig=/k'], { KUBECONFIG: '/a:/b' }).kubeconfig).toBe('/k')
    expect(() => parseConfig(['--kubeconfig='], {})).toThrow(/--kubeconfig/)
  })
  it('--version, and POD_NAMESPACE as the operator\'s namespace', () => {
    expect(() => parseConfig(['--version'], {})).toThrow(VersionRequested)
    expect(parseConfig([], { POD_NAMESPACE: 'lattice-system' }).operatorNamespace).toBe('lattice-system')
    expect(parseConfig([], {}).operatorNamespace).toBeUndefined()
  })
  it('unknown flags and --help', () => {
    expect(() => parseConfig(['--nope'], {})).toThrow(ConfigError)
    expect(() => parseConfig(['--help'], {})).toThrow(HelpRequested)
  })
})
