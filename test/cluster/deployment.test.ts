import { waitFor } from '../../packages/testkit/src/index.js'
import { describe, expect, it } from '@jest/globals'
import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node'
import { useCluster } from './harness.js'
import { httpGet } from './http.js'
import { isAlive } from './pid.js'

describe('Deployment through kube-scheduler, kube-controller-manager and the local kubelet', () => {
  // The kubelet binds nothing itself here: only the scheduler can place the pod.
  const cluster = useCluster({ scheduler: true, controllerManager: true, crdsDir: false }, 'deploy')

  it('schedules, runs and readies the pod, then garbage-collects ReplicaSet and pod after deletion', async () => {
    const kc = cluster.kubeConfig()
    const apps = kc.makeApiClient(AppsV1Api)
    const core = kc.makeApiClient(CoreV1Api)
    const namespace = cluster.namespace

    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'hello' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'hello' } },
          template: {
            metadata: { labels: { app: 'hello' } },
            spec: {
              terminationGracePeriodSeconds: 2,
              containers: [{
                name: 'http',
                image: 'lattice-test-http:latest',
                ports: [{ containerPort: 8080 }],
                env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
                readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 }
              }]
            }
          }
        }
      }
    })

    await waitFor('deployment hello available', async () => (await apps.readNamespacedDeployment({ name: 'hello', namespace })).status?.availableReplicas === 1, { timeoutMs: 90_000, intervalMs: 250 })
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: 'app=hello' })).items
    expect(pods).toHaveLength(1)
    const pod: V1Pod = pods[0]
    const podName = pod.metadata?.name ?? ''
    expect(pod.spec?.nodeName).toBe(cluster.nodeName)
    expect(pod.status?.conditions?.find(c => c.type === 'Ready')?.status).toBe('True')
    // The scheduler, not the kubelet, bound the pod.
    const events = (await core.listNamespacedEvent({ namespace })).items
    expect(events.some(e => e.reason === 'Scheduled' && e.involvedObject.name === podName && (e.message ?? '').includes(cluster.nodeName))).toBe(true)
    // Owner chain the garbage collector follows: Deployment → ReplicaSet → Pod.
    const rsName = pod.metadata?.ownerReferences?.find(o => o.kind === 'ReplicaSet')?.name ?? ''
    expect(rsName).toMatch(/^hello-/)
    const rs = await apps.readNamespacedReplicaSet({ name: rsName, namespace })
    expect(rs.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'hello' })

    const ip = pod.status?.podIP ?? ''
    const res = await httpGet(`http://${ip}:8080/`)
    expect(res.status).toBe(200)
    expect(res.body).toContain(`hello from ${podName}`)
    const pid = Number((pod.status?.containerStatuses?.[0].containerID ?? '').replace('local://', ''))
    expect(isAlive(pid)).toBe(true)

    await apps.deleteNamespacedDeployment({ name: 'hello', namespace, propagationPolicy: 'Background' })
    await waitFor('ReplicaSet and pod garbage-collected', async () => {
      const left = (await apps.listNamespacedReplicaSet({ namespace })).items.length + (await core.listNamespacedPod({ namespace, labelSelector: 'app=hello' })).items.length
      return left === 0
    }, { timeoutMs: 90_000, intervalMs: 250 })
    expect(isAlive(pid)).toBe(false)
  }, 240_000)
})
