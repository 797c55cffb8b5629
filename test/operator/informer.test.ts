// The restarting informer against a real kube-apiserver behind a TCP proxy we can cut: when the
// connection dies the client-node informer emits `error` and stops; ours starts it again (with
// backoff) and catches up with what changed meanwhile.
import { freePort, waitFor } from '../../packages/testkit/src/index.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import net from 'node:net'
import { CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node'
import winston from 'winston'
import { useCluster } from '../cluster/harness.js'
import { createResourceInformer, type ResourceInformer } from '../../operator/src/kube/informer.js'

interface Proxy { close: () => Promise<void> }

async function startProxy (listenPort: number, target: { host: string, port: number }): Promise<Proxy> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(client => {
    const upstream = net.connect(target)
    sockets.add(client)
    sockets.add(upstream)
    client.pipe(upstream).pipe(client)
    const drop = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('error', drop)
    upstream.on('error', drop)
    client.on('close', drop)
    upstream.on('close', drop)
  })
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(listenPort, '127.0.0.1', () => resolve()) })
  return {
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

describe('restarting informer', () => {
  const cluster = useCluster({ kubelet: false }, 'informer')
  let proxy: Proxy | undefined
  let informer: ResourceInformer<V1ConfigMap> | undefined
  let restarts = 0

  afterAll(async () => {
    await informer?.stop()
    await proxy?.close()
  })

  let port = 0
  let target = { host: '127.0.0.1', port: 0 }
  beforeAll(async () => {
    port = await freePort()
    const url = new URL(cluster.server)
    target = { host: url.hostname, port: Number(url.port) }
    proxy = await startProxy(port, target)
  })

  it('restarts after the connection to the API server is cut and sees what changed meanwhile', async () => {
    const kc = new KubeConfig()
    kc.loadFromFile(cluster.kubeconfigPath)
    const cluster0 = kc.getCurrentCluster()
    if (cluster0 === null) throw new Error('no cluster in kubeconfig')
    const proxied = new KubeConfig()
    proxied.loadFromOptions({
      clusters: [{ ...cluster0, server: `https://127.0.0.1:${port}` }],
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext
    })
    const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] })
    informer = createResourceInformer<V1ConfigMap>({ resource: { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' }, namespace: cluster.namespace, restartBaseMs: 200, restartMaxMs: 1000 }, { kubeConfig: proxied, logger, onRestart: () => { restarts++ } })
    const seen = new Set<string>()
    informer.on({ add: cm => { seen.add(cm.metadata?.name ?? '') } })
    await informer.start()
    expect(informer.synced).toBe(true)
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api)
    await core.createNamespacedConfigMap({ namespace: cluster.namespace, body: { metadata: { name: 'before-cut' } } })
    await waitFor('informer sees before-cut', () => seen.has('before-cut'), { timeoutMs: 30_000 })

    await proxy?.close()
    await waitFor('informer noticed the cut', () => restarts > 0, { timeoutMs: 60_000, intervalMs: 100 })
    // Changed while the informer is cut off.
    await core.createNamespacedConfigMap({ namespace: cluster.namespace, body: { metadata: { name: 'during-cut' } } })
    proxy = await startProxy(port, target)
    await waitFor('informer caught up after restart', () => seen.has('during-cut') && informer?.get('during-cut', cluster.namespace) !== undefined, { timeoutMs: 60_000, intervalMs: 100 })
    await core.createNamespacedConfigMap({ namespace: cluster.namespace, body: { metadata: { name: 'after-cut' } } })
    await waitFor('informer keeps watching', () => seen.has('after-cut'), { timeoutMs: 30_000, intervalMs: 100 })
    expect(informer.restarts).toBe(restarts)
    expect(informer.restarts).toBeGreaterThanOrEqual(1)
  }, 180_000)
})
