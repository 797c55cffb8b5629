import { describe, expect, it } from '@jest/globals'
import { ConfigError, loadConfig } from './index.js'

const PEER = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp'

describe('loadConfig', () => {
  it('gives the seed defaults when nothing is set', () => {
    const config = loadConfig({})
    expect(config.sync).toEqual({ mode: 'auto', heartbeatIntervalMs: 5000, peerlessTimeoutMs: 60000, httpPollIntervalMs: 10000, ownHeadTimeoutMs: 10000 })
    expect(config.p2p.listen).toEqual(['/ip4/0.0.0.0/tcp/9000'])
    expect(config.p2p.topic).toBe('aethel/lattice/v1')
    expect(config.p2p.enabled).toBe(true)
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 8080 })
  })

  it('reads the seed variables and splits lists', () => {
    const config = loadConfig({
      AETHEL_P2P_ENABLED: 'false',
      AETHEL_P2P_BOOTSTRAP: `/dns4/api.example.com/tcp/9000/p2p/${PEER}, /ip4/10.0.0.2/tcp/9000/p2p/${PEER}`,
      AETHEL_LATTICE_NODES: 'https://api.example.com/,https://backup.example.com',
      AETHEL_HEARTBEAT_INTERVAL: '0.25',
      AETHEL_SYNC_MODE: 'http'
    })
    expect(config.p2p.enabled).toBe(false)
    expect(config.p2p.bootstrap).toHaveLength(2)
    expect(config.latticeNodes).toEqual(['https://api.example.com', 'https://backup.example.com'])
    expect(config.sync.heartbeatIntervalMs).toBe(250)
    expect(config.sync.mode).toBe('http')
  })

  it('lets flags override the environment', () => {
    const config = loadConfig({ AETHEL_HTTP_LISTEN: '0.0.0.0:8080' }, ['--http-listen', '127.0.0.1:9999', '--sync-mode=p2p'])
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 9999 })
    expect(config.sync.mode).toBe('p2p')
  })

  it.each([
    ['AETHEL_SYNC_MODE', 'fast', /AETHEL_SYNC_MODE.*p2p, http or auto/],
    ['AETHEL_HEARTBEAT_INTERVAL', 'often', /AETHEL_HEARTBEAT_INTERVAL.*seconds/],
    ['AETHEL_PEERLESS_TIMEOUT', '-1', /AETHEL_PEERLESS_TIMEOUT/],
    ['AETHEL_OWN_HEAD_TIMEOUT', 'soon', /AETHEL_OWN_HEAD_TIMEOUT/],
    ['AETHEL_P2P_ENABLED', 'yes', /AETHEL_P2P_ENABLED.*true or false/],
    ['AETHEL_P2P_BOOTSTRAP', '/ip4/1.2.3.4/tcp/9000', /AETHEL_P2P_BOOTSTRAP.*\/p2p\/<peerId>/],
    ['AETHEL_LATTICE_NODES', 'ftp://x', /AETHEL_LATTICE_NODES/],
    ['AETHEL_HTTP_LISTEN', 'localhost', /AETHEL_HTTP_LISTEN.*host:port/],
    ['AETHEL_HTTP_LISTEN', '0.0.0.0:70000', /AETHEL_HTTP_LISTEN.*out of range/],
    ['AETHEL_LOG_LEVEL', 'loud', /AETHEL_LOG_LEVEL/],
    ['AETHEL_TLS_CERT_FILE', '/tmp/cert.pem', /AETHEL_TLS_CERT_FILE.*AETHEL_TLS_KEY_FILE/]
  ])('refuses %s=%s with a message naming the variable', (name, value, message) => {
    let error: unknown
    try { loadConfig({ [name]: value }) } catch (e) { error = e }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).variable).toBe(name)
    expect((error as ConfigError).message).toMatch(message)
  })

  it('refuses unknown flags', () => {
    expect(() => loadConfig({}, ['--colour=blue'])).toThrow(/unknown flag --colour/)
  })
})
