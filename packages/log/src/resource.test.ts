import { describe, expect, it } from '@jest/globals'
import { Writable } from 'node:stream'
import winston from 'winston'
import { resourceKeys, withResource } from './index.js'

describe('resource log keys', () => {
  it('withResource adds resource_kind, resource_namespace and resource_name to every line', () => {
    const lines: Array<Record<string, unknown>> = []
    const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _enc, cb) => { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb() } }) })] })
    const log = withResource(logger, { kind: 'LatticeNode', metadata: { namespace: 'ledger', name: 'n-0' } })
    log.info('pod created', { reason: 'Created' })
    log.warn('probe failed')
    expect(lines).toEqual([
      { level: 'info', message: 'pod created', reason: 'Created', resource_kind: 'LatticeNode', resource_namespace: 'ledger', resource_name: 'n-0' },
      { level: 'warn', message: 'probe failed', resource_kind: 'LatticeNode', resource_namespace: 'ledger', resource_name: 'n-0' }
    ])
  })

  it('names a missing field with an empty string, so the keys are always there', () => {
    expect(resourceKeys('LatticeNetwork', undefined, 'main')).toEqual({ resource_kind: 'LatticeNetwork', resource_namespace: '', resource_name: 'main' })
    expect(resourceKeys(undefined, undefined, undefined)).toEqual({ resource_kind: '', resource_namespace: '', resource_name: '' })
  })
})
