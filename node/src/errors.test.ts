// One style for the node's errors (Lodestar / js-libp2p): each is a named class with a static NAME
// equal to its class name, and every instance carries it as `.name` (what logs and the API's error
// mapping read), including subclasses of a named base.
import { describe, expect, it } from '@jest/globals'
import * as api from './api/errors.js'
import * as config from './config/errors.js'
import * as dashboard from './dashboard/errors.js'
import * as identity from './identity/errors.js'
import * as ledger from './ledger/errors.js'
import * as integrity from './ledger/integrity.js'
import * as merkle from './ledger/merkle.js'
import * as peers from './peers/errors.js'
import * as storage from './storage/errors.js'
import * as sync from './sync/errors.js'
import * as tls from './tls/errors.js'

type ErrorClass = (new (...args: unknown[]) => Error) & { NAME?: unknown }

const modules: Record<string, Record<string, unknown>> = { api, config, dashboard, identity, ledger, integrity, merkle, peers, storage, sync, tls }

function errorClasses (): Array<[string, ErrorClass]> {
  const out: Array<[string, ErrorClass]> = []
  for (const [where, mod] of Object.entries(modules)) {
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === 'function' && value.prototype instanceof Error) out.push([`${where}/${name}`, value as ErrorClass])
    }
  }
  return out
}

describe('node errors', () => {
  it('every error class has a static NAME equal to its class name, and its instances carry it as .name', () => {
    const classes = errorClasses()
    expect(classes.length).toBeGreaterThanOrEqual(25)
    for (const [where, Cls] of classes) {
      expect([where, Cls.NAME]).toEqual([where, Cls.name])
      // Constructors take strings (and an optional options object): placeholders are enough here.
      const instance = new Cls('x', 'y', 'z')
      expect([where, instance.name]).toEqual([where, Cls.name])
      expect(instance).toBeInstanceOf(Error)
    }
  })
})
