import { waitFor } from '../../packages/testkit/src/index.js'
import fs from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node'
import { useCluster } from './harness.js'
import { httpGet } from './http.js'

describe('lattice-node as a pod of the local kubelet', () => {
  const cluster = useCluster({ crdsDir: false }, 'lnode')

  it('answers /readyz on its pod IP, with its data on a PVC', async () => {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api)
    const namespace = cluster.namespace
    await core.createNamespacedPersistentVolumeClaim({ namespace, body: { metadata: { name: 'ledger' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } })
    const pod: V1Pod = {
      metadata: { name: 'node-0', labels: { app: 'lattice-node' } },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [{
          name: 'node',
          image: 'ghcr.io/diotec360/lattice-node:dev',
          ports: [{ name: 'http', containerPort: 8080 }, { name: 'p2p', containerPort: 4001 }],
          env: [
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'AETHEL_HTTP_LISTEN', value: '$(POD_IP):8080' },
            { name: 'AETHEL_P2P_ENABLED', value: 'true' },
            { name: 'AETHEL_P2P_LISTEN', value: '/ip4/$(POD_IP)/tcp/4001' },
            { name: 'AETHEL_DATA_DIR', value: '/var/lib/lattice' }
          ],
          readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5, failureThreshold: 6 },
          volumeMounts: [{ name: 'data', mountPath: '/var/lib/lattice' }]
        }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'ledger' } }]
      }
    }
    await core.createNamespacedPod({ namespace, body: pod })
    const ready = await waitFor('lattice-node pod Ready', async () => {
      const p = await core.readNamespacedPod({ name: 'node-0', namespace })
      return p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') === true ? p : undefined
    }, { timeoutMs: 90_000, intervalMs: 250 })
    const ip = ready.status?.podIP ?? ''
    expect(ip).toMatch(/^127\./)
    expect(ip).not.toBe('127.0.0.1')
    const r = await httpGet(`http://${ip}:8080/readyz`)
    expect(r.status).toBe(200)
    // It bound its pod IP, not every address.
    await expect(httpGet('http://127.0.0.1:8080/readyz', 2000)).rejects.toThrow()
    const status = JSON.parse((await httpGet(`http://${ip}:8080/api/lattice/p2p/status`)).body) as { started: boolean, listen_addrs: string[] }
    expect(status.started).toBe(true)
    expect(status.listen_addrs.some(a => a.includes(`/ip4/${ip}/tcp/4001`))).toBe(true)
    expect(ready.status?.containerStatuses?.[0].restartCount).toBe(0)
    // AETHEL_DATA_DIR named the mount path: the daemon's files landed in the PVC's directory.
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'ledger', namespace })
    const pv = await core.readPersistentVolume({ name: pvc.spec?.volumeName ?? '' })
    expect(fs.readdirSync(pv.spec?.hostPath?.path ?? '').length).toBeGreaterThan(0)
  }, 180_000)
})
