import { describe, expect, it } from '@jest/globals'
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node'
import { shareConnections } from './connections.js'

function config (cert: string): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from('ca-pem').toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', certData: Buffer.from(cert).toString('base64'), keyData: Buffer.from('key-pem').toString('base64') }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x'
  })
  return kc
}

async function dispatcherOf (kc: KubeConfig): Promise<unknown> {
  const ctx = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET)
  await kc.applySecurityAuthentication(ctx)
  return ctx.getDispatcher()
}

describe('shareConnections', () => {
  it('client-node alone makes a new dispatcher per request (the problem)', async () => {
    const kc = config('cert-a')
    const a = await dispatcherOf(kc)
    expect(a).toBeDefined()
    expect(await dispatcherOf(kc)).not.toBe(a)
  })
  it('shared: the same dispatcher for every request with the same TLS material', async () => {
    const kc = config('cert-a')
    expect(shareConnections(kc)).toBe(true)
    expect(shareConnections(kc)).toBe(true)
    const a = await dispatcherOf(kc)
    expect(a).toBeDefined()
    expect(await dispatcherOf(kc)).toBe(a)
    // Different credentials (e.g. a rotated client certificate) get their own pool.
    const other = config('cert-b')
    shareConnections(other)
    expect(await dispatcherOf(other)).not.toBe(a)
  })
})
