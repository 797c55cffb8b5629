import { describe, expect, it } from '@jest/globals'
import { NODE_ENV, nodeEnv, nodeEnvSchema } from './node-env.js'

const unset = Object.fromEntries(NODE_ENV.map(v => [v.name, undefined])) as Parameters<typeof nodeEnv>[0]

describe('the node environment table', () => {
  it('writes one entry per defined value, in the order given', () => {
    expect(nodeEnv({ ...unset, AETHEL_SYNC_MODE: 'http', AETHEL_P2P_ENABLED: 'true', AETHEL_DATA_DIR: '' }))
      .toEqual([{ name: 'AETHEL_P2P_ENABLED', value: 'true' }, { name: 'AETHEL_DATA_DIR', value: '' }, { name: 'AETHEL_SYNC_MODE', value: 'http' }])
  })

  it('gives a schema with one property per variable, closed, and the TLS pair required together', () => {
    const schema = nodeEnvSchema()
    expect(Object.keys(schema.properties as object)).toEqual(NODE_ENV.map(v => v.name))
    expect(schema.additionalProperties).toBe(false)
    expect(schema.dependencies).toEqual({ AETHEL_TLS_CERT_FILE: ['AETHEL_TLS_KEY_FILE'], AETHEL_TLS_KEY_FILE: ['AETHEL_TLS_CERT_FILE'] })
  })

  it('names each variable once, every one AETHEL_*', () => {
    const names = NODE_ENV.map(v => v.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names.every(n => /^AETHEL_[A-Z0-9_]+$/.test(n))).toBe(true)
  })
})
