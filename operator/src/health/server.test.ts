import { describe, expect, it } from '@jest/globals'
import { BadListenAddressError, parseListenAddress } from './server.js'

describe('parseListenAddress', () => {
  it('parses :port, host:port and [v6]:port', () => {
    expect(parseListenAddress(':8080')).toEqual({ host: '0.0.0.0', port: 8080 })
    expect(parseListenAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 })
    expect(parseListenAddress('[::1]:9')).toEqual({ host: '::1', port: 9 })
  })
  it('rejects garbage', () => {
    expect(() => parseListenAddress('8080')).toThrow(BadListenAddressError)
    expect(() => parseListenAddress(':99999')).toThrow(BadListenAddressError)
  })
})
