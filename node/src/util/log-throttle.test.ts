import { describe, expect, it } from '@jest/globals'
import { Writable } from 'node:stream'
import winston from 'winston'
import { throttleWarnings } from './log-throttle.js'

describe('throttled warnings', () => {
  it('logs a key once per window, then says how many were suppressed', () => {
    const lines: Array<Record<string, unknown>> = []
    const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _enc, cb) => { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb() } }) })] })
    let now = 0
    const warnings = throttleWarnings(logger, 1000, () => now)
    for (let i = 0; i < 500; i++) warnings.warn('peer-a', 'malformed gossip dropped', { from: 'peer-a' })
    warnings.warn('peer-b', 'malformed gossip dropped', { from: 'peer-b' })
    expect(lines.map(l => l.from)).toEqual(['peer-a', 'peer-b'])
    now = 1000
    warnings.warn('peer-a', 'malformed gossip dropped', { from: 'peer-a' })
    expect(lines[2]).toMatchObject({ level: 'warn', message: 'malformed gossip dropped', from: 'peer-a', suppressed: 499 })
    now = 2500
    warnings.warn('peer-a', 'malformed gossip dropped', { from: 'peer-a' })
    expect(lines[3]).not.toHaveProperty('suppressed')
  })
})
