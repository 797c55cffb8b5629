/**
 * One HTTP connection pool per API server instead of one per request.
 *
 * @kubernetes/client-node 2 builds a new undici Agent for EVERY request
 * (KubeConfig.applySecurityAuthentication → createDispatcher): each request pays a TLS handshake,
 * and each abandoned Agent keeps its keep-alive socket and TLS state until the server drops it. With
 * 50 networks that costs hundreds of MB of RSS. This wraps the KubeConfig's (private) dispatcher
 * factory with a cache keyed by the TLS material, so rotated credentials still get a fresh pool.
 * If a future client-node renames the method, this is a no-op (reported by the return value).
 */
import { createHash } from 'node:crypto'
import type { KubeConfig } from '@kubernetes/client-node'

type DispatcherFactory = (cluster: { server?: string } | null, agentOptions: Record<string, unknown>) => unknown

function fingerprint (cluster: { server?: string } | null, o: Record<string, unknown>): string {
  const h = createHash('sha256')
  h.update(cluster?.server ?? '')
  for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername']) {
    const v = o[k]
    h.update(`|${k}=`)
    if (v === undefined) continue
    h.update(Buffer.isBuffer(v) ? v : String(v))
  }
  return h.digest('hex')
}

/** Make `kc` reuse one dispatcher per (server, TLS material). Returns false when not applicable. */
export function shareConnections (kc: KubeConfig): boolean {
  const target = kc as unknown as { createDispatcher?: DispatcherFactory, __latticeShared?: boolean }
  if (target.__latticeShared === true) return true
  const original = target.createDispatcher
  if (typeof original !== 'function') return false
  const cache = new Map<string, unknown>()
  target.createDispatcher = (cluster, agentOptions) => {
    const key = fingerprint(cluster, agentOptions)
    if (!cache.has(key)) cache.set(key, original.call(kc, cluster, agentOptions))
    return cache.get(key)
  }
  target.__latticeShared = true
  return true
}
