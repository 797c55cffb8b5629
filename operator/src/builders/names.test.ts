import { describe, expect, it } from '@jest/globals'
import { identitySecretName, nodeName, ordinalOf, pvcName } from './names.js'

describe('names', () => {
  it('names nodes <network>-<ordinal> and their children after the node', () => {
    expect(nodeName('ledger', 0)).toBe('ledger-0')
    expect(identitySecretName('ledger-2')).toBe('ledger-2-identity')
    expect(pvcName('ledger-2')).toBe('ledger-2-data')
  })
  it('parses ordinals back and refuses other names', () => {
    expect(ordinalOf('ledger', 'ledger-12')).toBe(12)
    expect(ordinalOf('ledger', 'ledger-0')).toBe(0)
    expect(ordinalOf('ledger', 'ledger-01')).toBeUndefined()
    expect(ordinalOf('ledger', 'ledger-x')).toBeUndefined()
    expect(ordinalOf('ledger', 'other-1')).toBeUndefined()
    expect(ordinalOf('led', 'ledger-1')).toBeUndefined()
  })
})
