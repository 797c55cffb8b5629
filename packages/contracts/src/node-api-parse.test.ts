import { describe, expect, it } from '@jest/globals'
import { InvalidBodyError, parseP2PStatus, parseStateBody } from './node-api-parse.js'

const peer = { peer_id: '12D3KooWB', addrs: ['/ip4/10.0.0.2/tcp/9000'], latency_ms: 1.5, last_heartbeat: '2026-11-29T10:00:00.000Z', merkle_root: 'cd'.repeat(32), record_count: 3, in_sync: false, state_diverged: null }
const status = { started: true, peer_count: 1, has_peers: true, http_sync_enabled: false, heartbeat_active: true, sync_mode: 'auto', mode: 'P2P', peer_id: '12D3KooWA', listen_addrs: ['/ip4/0.0.0.0/tcp/9000'], peers: [peer], last_sync: null, merkle_root: 'ab'.repeat(32), record_count: 7 }

const recovery = { recovering: true, reason: 'asking peers', own_head: 20, peer_head: 40, missing_records: 20, missing_detected: 20, recovered_records: 0, since: '2026-11-29T10:00:00.000Z' }

describe('parsing the node status and state bodies', () => {
  it('returns a well-formed status as it is (through JSON, as the prober receives it)', () => {
    expect(parseP2PStatus(JSON.parse(JSON.stringify(status)))).toEqual(status)
    expect(parseStateBody({ merkle_root: 'ab', record_count: 2, version_vector: { a: 1, b: 1 } })).toEqual({ merkle_root: 'ab', record_count: 2, version_vector: { a: 1, b: 1 } })
  })

  it('reads the own-head recovery when the node sends it (older nodes do not)', () => {
    expect(parseP2PStatus(JSON.parse(JSON.stringify({ ...status, recovery })))).toEqual({ ...status, recovery })
    expect(parseP2PStatus(status)).not.toHaveProperty('recovery')
  })

  it('drops fields the contract does not have', () => {
    expect(parseP2PStatus({ ...status, extra: 1 })).not.toHaveProperty('extra')
  })

  it.each([
    ['a missing field', { ...status, record_count: undefined }, 'p2p status: record_count is not a count'],
    ['a wrong type', { ...status, started: 'yes' }, 'p2p status: started is not a boolean'],
    ['an unknown mode', { ...status, mode: 'GOSSIP' }, 'p2p status: mode is not P2P|HTTP|NONE'],
    ['a bad peer entry', { ...status, peers: [{ ...peer, addrs: 'x' }] }, 'p2p status: peers[0].addrs is not an array of strings'],
    ['a negative count', { ...status, peer_count: -1 }, 'p2p status: peer_count is not a count'],
    ['not an object', [status], 'p2p status: (body) is not an object'],
    ['a recovery without its reason', { ...status, recovery: { ...recovery, reason: undefined } }, 'p2p status: recovery.reason is not a string'],
    ['a negative missing count', { ...status, recovery: { ...recovery, missing_records: -2 } }, 'p2p status: recovery.missing_records is not a count']
  ])('refuses %s with an error naming the field', (_what, body, message) => {
    expect(() => parseP2PStatus(body)).toThrow(InvalidBodyError)
    expect(() => parseP2PStatus(body)).toThrow(message)
  })

  it('refuses a state whose version vector is not {origin: count}', () => {
    expect(() => parseStateBody({ merkle_root: 'ab', record_count: 2, version_vector: { a: 'one' } })).toThrow('state: version_vector.a is not a count')
    expect(() => parseStateBody({ merkle_root: 'ab', record_count: 2 })).toThrow('state: version_vector is not an object')
  })
})
