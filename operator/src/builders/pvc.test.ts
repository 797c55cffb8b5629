import { describe, expect, it } from '@jest/globals'
import { latticeNetwork, withSpec } from '../../../packages/testkit/src/fixtures/index.js'
import { buildLatticeNode } from './lattice-node.js'
import { buildPvc } from './pvc.js'

describe('buildPvc', () => {
  it('requests the spec size and class, default 1Gi and the cluster default class', () => {
    const n = buildLatticeNode(latticeNetwork(withSpec({ storage: { size: '5Gi', storageClassName: 'fast' } })), 0)
    n.metadata.uid = 'u'
    const pvc = buildPvc(n)
    expect(pvc.metadata?.name).toBe('ledger-0-data')
    expect(pvc.spec?.resources?.requests).toEqual({ storage: '5Gi' })
    expect(pvc.spec?.storageClassName).toBe('fast')
    const d = buildLatticeNode(latticeNetwork(), 0)
    d.metadata.uid = 'u'
    expect(buildPvc(d).spec?.resources?.requests).toEqual({ storage: '1Gi' })
    expect(buildPvc(d).spec).not.toHaveProperty('storageClassName')
  })
  it('matches the snapshot', () => {
    const n = buildLatticeNode(latticeNetwork(), 0)
    n.metadata.uid = 'aaaaaaaa-0000-0000-0000-000000000000'
    expect(buildPvc(n)).toMatchSnapshot('pvc')
  })
})
