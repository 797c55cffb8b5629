// The node's environment contract checked across the two programs: the env the operator writes into a
// node pod (operator/src/builders/pod.ts, through packages/contracts nodeEnv) is accepted by the node's
// own loader (node/src/config, generated from the same table), with and without TLS.
import { describe, expect, it } from '@jest/globals'
import { latticeNetwork, withSpec } from '../../packages/testkit/src/fixtures/index.js'
import { NODE_ENV } from '../../packages/contracts/src/node-env.js'
import { loadConfig } from '../../node/src/config/index.js'
import type { LatticeNetworkSpec } from '../../operator/src/api/types.js'
import { buildLatticeNode } from '../../operator/src/builders/lattice-node.js'
import { buildPod } from '../../operator/src/builders/pod.js'

const A = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp'
const B = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const peers = { bootstrap: [`/dns4/ledger-1.lattice-test.svc.cluster.local/tcp/9000/p2p/${B}`], lattice_nodes: ['http://ledger-1.lattice-test.svc.cluster.local:8080'], members: [A, B] }

/** The container env as the kubelet hands it to the process: $(POD_IP) expanded, downward API resolved. */
function processEnv (spec: Partial<LatticeNetworkSpec>): Record<string, string> {
  const node = buildLatticeNode(latticeNetwork(withSpec(spec)), 0)
  node.metadata.uid = 'aaaaaaaa-0000-0000-0000-000000000000'
  const env = buildPod(node, peers).spec?.containers[0]?.env ?? []
  return Object.fromEntries(env.filter(e => e.value !== undefined).map(e => [e.name, (e.value ?? '').replaceAll('$(POD_IP)', '10.0.0.7')]))
}

describe('the node environment the operator writes', () => {
  it.each([['plain HTTP', {}], ['TLS', { tls: { mode: 'operator' } }]] as Array<[string, Partial<LatticeNetworkSpec>]>)('(%s) names only variables of the node\'s table and loads', (_what, spec) => {
    const env = processEnv(spec)
    const known = new Set<string>(NODE_ENV.map(v => v.name))
    expect(Object.keys(env).filter(name => name.startsWith('AETHEL_') && !known.has(name))).toEqual([])
    const config = loadConfig(env)
    expect(config.p2p.listen).toEqual(['/ip4/10.0.0.7/tcp/9000'])
    expect(config.http).toMatchObject({ host: '10.0.0.7', port: 8080 })
    expect(config.p2p.bootstrap).toEqual(peers.bootstrap)
    expect(config.members).toEqual(peers.members)
    expect(config.http.tls !== undefined).toBe(spec.tls !== undefined)
  })
})
