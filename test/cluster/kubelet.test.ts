import { isListening, waitFor } from '../../packages/testkit/src/index.js'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { CoreV1Api, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type V1Pod } from '@kubernetes/client-node'
import { nodeBinary, repoRoot } from './binaries.js'
import { useCluster } from './harness.js'
import { httpGet } from './http.js'
import { isAlive } from './pid.js'

function pidOf (pod: V1Pod, container = 0): number {
  return Number((pod.status?.containerStatuses?.[container].containerID ?? '').replace('local://', ''))
}

function isReady (pod: V1Pod): boolean {
  return pod.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') === true
}

function webPod (name: string): V1Pod {
  return {
    metadata: { name, labels: { app: 'web' } },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [{
        name: 'http',
        image: 'lattice-test-http:1',
        ports: [{ name: 'http', containerPort: 8080 }],
        env: [
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'LISTEN', value: '$(POD_IP):8080' },
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'token' } } },
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'mode' } } },
          { name: 'DATA_FILE', value: '/var/lib/data/marker.txt' }
        ],
        readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1, timeoutSeconds: 5 },
        // Generous timeouts: a loaded 2-core machine must not fail the probe by slowness.
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 5 },
        volumeMounts: [
          { name: 'secret', mountPath: '/etc/web/secret', readOnly: true },
          { name: 'config', mountPath: '/etc/web/config' },
          { name: 'data', mountPath: '/var/lib/data' }
        ]
      }],
      volumes: [
        { name: 'secret', secret: { secretName: 'web-secret' } },
        { name: 'config', configMap: { name: 'web-config' } },
        { name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } }
      ]
    }
  }
}

describe('local kubelet', () => {
  const cluster = useCluster({ crdsDir: false }, 'kubelet')
  const core = (): CoreV1Api => cluster.kubeConfig().makeApiClient(CoreV1Api)
  const ns = (): string => cluster.namespace

  async function waitPod (name: string, what: string, pred: (p: V1Pod) => boolean, timeoutMs = 60_000): Promise<V1Pod> {
    return await waitFor(`pod ${name} ${what}`, async () => {
      const p = await core().readNamespacedPod({ name, namespace: ns() })
      return pred(p) ? p : undefined
    }, { timeoutMs, intervalMs: 200 })
  }

  async function env (ip: string): Promise<Record<string, string>> {
    return JSON.parse((await httpGet(`http://${ip}:8080/env`)).body) as Record<string, string>
  }

  it('runs two pods on the same port, each on its own loopback IP, with env, volumes and PVCs', async () => {
    await core().createNamespacedSecret({ namespace: ns(), body: { metadata: { name: 'web-secret' }, stringData: { token: 's3cr3t' } } })
    await core().createNamespacedConfigMap({ namespace: ns(), body: { metadata: { name: 'web-config' }, data: { mode: 'auto', 'peers.json': '["a"]' } } })
    for (const name of ['web', 'web2']) {
      await core().createNamespacedPersistentVolumeClaim({ namespace: ns(), body: { metadata: { name: `${name}-data` }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } })
      await core().createNamespacedPod({ namespace: ns(), body: webPod(name) })
    }
    const pods = [await waitPod('web', 'Ready', isReady), await waitPod('web2', 'Ready', isReady)]
    const ips = pods.map(p => p.status?.podIP ?? '')
    for (const [i, p] of pods.entries()) {
      expect(p.spec?.nodeName).toBe(cluster.nodeName)
      expect(p.status?.phase).toBe('Running')
      expect(ips[i]).toMatch(/^127\.\d+\.\d+\.\d+$/)
      expect(ips[i]).not.toBe('127.0.0.1')
      expect(p.status?.hostIP).toBe('127.0.0.1')
      for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) expect(p.status?.conditions?.find(c => c.type === t)?.status).toBe('True')
      expect(p.status?.containerStatuses?.[0]).toMatchObject({ name: 'http', ready: true, restartCount: 0 })
      expect(isAlive(pidOf(p))).toBe(true)
    }
    expect(new Set(ips).size).toBe(2)

    const e = await env(ips[0])
    expect(e).toMatchObject({ POD_IP: ips[0], POD_NAME: 'web', POD_NAMESPACE: ns(), LISTEN: `${ips[0]}:8080`, TOKEN: 's3cr3t', MODE: 'auto', KUBERNETES_SERVICE_HOST: '127.0.0.1' })
    const root = e.LATTICE_LOCAL_ROOT
    expect(root).toBeTruthy()
    // The mount path rule: values naming a mount path point into the pod sandbox.
    expect(e.DATA_FILE).toBe(path.join(root, 'var/lib/data/marker.txt'))
    expect((await httpGet(`http://${ips[0]}:8080/file?path=${encodeURIComponent(path.join(root, 'etc/web/secret/token'))}`)).body).toBe('s3cr3t')
    expect((await httpGet(`http://${ips[0]}:8080/file?path=${encodeURIComponent(path.join(root, 'etc/web/config/peers.json'))}`)).body).toBe('["a"]')

    const pvc = await core().readNamespacedPersistentVolumeClaim({ name: 'web-data', namespace: ns() })
    expect(pvc.status?.phase).toBe('Bound')
    const pv = await core().readPersistentVolume({ name: pvc.spec?.volumeName ?? '' })
    expect(pv.spec?.claimRef?.name).toBe('web-data')
    expect(fs.realpathSync(path.join(root, 'var/lib/data'))).toBe(fs.realpathSync(pv.spec?.hostPath?.path ?? ''))
  }, 120_000)

  it('serves container logs to `kubectl logs` through the API server', async () => {
    const all = await cluster.kubectl(['-n', ns(), 'logs', 'web'])
    expect(all.code).toBe(0)
    expect(all.stdout).toMatch(/"msg":"listening"/)
    expect(all.stdout).not.toMatch(/start #0/)
    const one = await cluster.kubectl(['-n', ns(), 'logs', 'web2', '-c', 'http', '--tail=1'])
    expect(one.code).toBe(0)
    expect(one.stdout.trim().split('\n')).toHaveLength(1)
  }, 60_000)

  it('refreshes ConfigMap volumes while the pod runs', async () => {
    const ip = (await core().readNamespacedPod({ name: 'web', namespace: ns() })).status?.podIP ?? ''
    const root = (await env(ip)).LATTICE_LOCAL_ROOT
    await core().patchNamespacedConfigMap({ name: 'web-config', namespace: ns(), body: { data: { 'peers.json': '["a","b"]' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
    await waitFor('peers.json updated in the volume', async () =>
      (await httpGet(`http://${ip}:8080/file?path=${encodeURIComponent(path.join(root, 'etc/web/config/peers.json'))}`)).body === '["a","b"]', { timeoutMs: 30_000, intervalMs: 200 })
  }, 60_000)

  it('restarts a container whose liveness probe fails, keeping its PVC data', async () => {
    const before = await core().readNamespacedPod({ name: 'web', namespace: ns() })
    const ip = before.status?.podIP ?? ''
    const root = (await env(ip)).LATTICE_LOCAL_ROOT
    fs.writeFileSync(path.join(root, 'var/lib/data/marker.txt'), 'kept')
    await httpGet(`http://${ip}:8080/sick`)
    const after = await waitPod('web', 'restarted by liveness and Ready again', p => (p.status?.containerStatuses?.[0].restartCount ?? 0) >= 1 && isReady(p))
    expect(pidOf(after)).not.toBe(pidOf(before))
    expect(isAlive(pidOf(before))).toBe(false)
    expect(after.status?.podIP).toBe(ip)
    expect((await httpGet(`http://${ip}:8080/healthz`)).status).toBe(200)
    expect((await httpGet(`http://${ip}:8080/file?path=${encodeURIComponent(path.join(root, 'var/lib/data/marker.txt'))}`)).body).toBe('kept')
  }, 90_000)

  it('follows restartPolicy for exiting containers: Never → Failed, OnFailure + exit 0 → Succeeded', async () => {
    const node = nodeBinary()
    const job = (name: string, policy: string, code: number): V1Pod => ({
      metadata: { name },
      spec: { restartPolicy: policy, containers: [{ name: 'main', image: 'lattice-test-http', command: [node, '-e', `process.exit(${code})`] }] }
    })
    await core().createNamespacedPod({ namespace: ns(), body: job('fails', 'Never', 3) })
    await core().createNamespacedPod({ namespace: ns(), body: job('succeeds', 'OnFailure', 0) })
    const failed = await waitPod('fails', 'Failed', p => p.status?.phase === 'Failed')
    expect(failed.status?.containerStatuses?.[0].state?.terminated?.exitCode).toBe(3)
    expect(failed.status?.containerStatuses?.[0].restartCount).toBe(0)
    const ok = await waitPod('succeeds', 'Succeeded', p => p.status?.phase === 'Succeeded')
    expect(ok.status?.containerStatuses?.[0].state?.terminated?.exitCode).toBe(0)
  }, 90_000)

  it('runs init containers to completion first, sharing an emptyDir with the main container', async () => {
    const node = nodeBinary()
    await core().createNamespacedPod({
      namespace: ns(),
      body: {
        metadata: { name: 'with-init' },
        spec: {
          terminationGracePeriodSeconds: 1,
          initContainers: [
            { name: 'first', image: 'lattice-test-http', command: [node, '-e', "require('fs').writeFileSync(process.env.OUT, 'one')"], env: [{ name: 'OUT', value: '/work/out.txt' }], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
            { name: 'second', image: 'lattice-test-http', command: [node, '-e', "const fs = require('fs'); fs.appendFileSync(process.env.OUT, '+two')"], env: [{ name: 'OUT', value: '/work/out.txt' }], volumeMounts: [{ name: 'work', mountPath: '/work' }] }
          ],
          containers: [{
            name: 'http',
            image: 'lattice-test-http',
            env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
            readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            volumeMounts: [{ name: 'work', mountPath: '/work' }]
          }],
          volumes: [{ name: 'work', emptyDir: {} }]
        }
      }
    })
    const pod = await waitPod('with-init', 'Ready', isReady)
    expect(pod.status?.initContainerStatuses?.map(c => [c.name, c.state?.terminated?.exitCode])).toEqual([['first', 0], ['second', 0]])
    const ip = pod.status?.podIP ?? ''
    const root = (await env(ip)).LATTICE_LOCAL_ROOT
    expect((await httpGet(`http://${ip}:8080/file?path=${encodeURIComponent(path.join(root, 'work/out.txt'))}`)).body).toBe('one+two')
  }, 90_000)

  it('gives pods in-cluster credentials: a projected service-account token under LATTICE_LOCAL_ROOT, checked by RBAC', async () => {
    const clientNode = path.join(repoRoot(), 'node_modules', '@kubernetes', 'client-node', 'dist', 'index.js')
    // The in-cluster config of @kubernetes/client-node, with the sandbox as path prefix.
    const script = `const k8s = await import(${JSON.stringify(clientNode)})
const kc = new k8s.KubeConfig()
kc.loadFromCluster(process.env.LATTICE_LOCAL_ROOT)
const ns = (await import('node:fs')).readFileSync(process.env.LATTICE_LOCAL_ROOT + '/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8')
try {
  const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ns })
  console.log('RESULT ok ' + list.items.length)
} catch (err) { console.log('RESULT ' + err.code) }`
    const job = (name: string): V1Pod => ({
      metadata: { name },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'lattice-test-http', command: [nodeBinary(), '--input-type=module', '-e', script] }] }
    })
    const result = async (name: string): Promise<string> => {
      await core().createNamespacedPod({ namespace: ns(), body: job(name) })
      await waitPod(name, 'Succeeded', p => p.status?.phase === 'Succeeded')
      return /^RESULT (.*)$/m.exec(cluster.podLogs(name))?.[1] ?? `no result in: ${cluster.podLogs(name)}`
    }
    // Authenticated as system:serviceaccount:<ns>:default, which may not list pods: 403, not 401.
    expect(await result('incluster-denied')).toBe('403')
    const rbac = cluster.kubeConfig().makeApiClient(RbacAuthorizationV1Api)
    await rbac.createNamespacedRole({ namespace: ns(), body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] } })
    await rbac.createNamespacedRoleBinding({ namespace: ns(), body: { metadata: { name: 'pod-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns() }] } })
    expect(await waitFor('RBAC grant effective', async () => {
      const r = await result(`incluster-allowed-${Date.now() % 100000}`)
      return r.startsWith('ok') ? r : undefined
    }, { timeoutMs: 60_000, intervalMs: 500 })).toMatch(/^ok \d+$/)
  }, 120_000)

  it('kills the process and removes the pod when the pod is deleted', async () => {
    const pod = await core().readNamespacedPod({ name: 'web2', namespace: ns() })
    const pid = pidOf(pod)
    const ip = pod.status?.podIP ?? ''
    expect(isAlive(pid)).toBe(true)
    await core().deleteNamespacedPod({ name: 'web2', namespace: ns() })
    await waitFor('pod web2 gone', async () => {
      try {
        await core().readNamespacedPod({ name: 'web2', namespace: ns() })
        return false
      } catch (err) {
        return (err as { code?: number }).code === 404
      }
    }, { timeoutMs: 60_000, intervalMs: 200 })
    expect(isAlive(pid)).toBe(false)
    expect(await isListening(ip, 8080)).toBe(false)
    // The other pod is untouched.
    expect(isReady(await core().readNamespacedPod({ name: 'web', namespace: ns() }))).toBe(true)
  }, 90_000)
})
