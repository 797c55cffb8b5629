/**
 * Kubernetes semantics the stand-in kubelet cannot show, on a real node (containerd + runc, the
 * kubelet, kube-proxy, CoreDNS): securityContext and memory limits enforced by the kernel, and a
 * Service found through cluster DNS and reached through kube-proxy's rules.
 */
import { waitFor } from '../../packages/testkit/src/index.js'
import fs from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node'
import { cgroupTreePids } from '../cluster/realnode/host.js'
import { realNodeSkipReason, useRealNode, type RealNodeContext } from '../cluster/realnode/harness.js'
import { REAL_NODE } from '../cluster/realnode/index.js'

const skipReason = realNodeSkipReason()
if (skipReason != null) process.stderr.write(`test/realnode/pods: not run: ${skipReason}\n`)
const describeRealNode = skipReason == null ? describe : describe.skip

const restricted = { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }

function busyboxPod (name: string, script: string, extra: Partial<V1Pod['spec']> = {}, labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, labels: { app: name, ...labels } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: REAL_NODE.testImage, imagePullPolicy: 'Never', command: ['sh', '-c', script], securityContext: restricted }],
      ...extra
    }
  }
}

async function waitPod (rn: RealNodeContext, name: string, what: string, ok: (p: V1Pod) => boolean, timeoutMs = 120_000): Promise<V1Pod> {
  const core = rn.kubeConfig().makeApiClient(CoreV1Api)
  return await waitFor(what, async () => {
    const p = await core.readNamespacedPod({ name, namespace: rn.namespace })
    return ok(p) ? p : undefined
  }, { timeoutMs, intervalMs: 500 })
}

async function logsOf (rn: RealNodeContext, name: string): Promise<string> {
  const r = await rn.kubectl(['logs', '-n', rn.namespace, name])
  return r.stdout + r.stderr
}

async function waitLogs (rn: RealNodeContext, name: string, pattern: RegExp): Promise<string> {
  try {
    return await waitFor(`logs of ${name} matching ${String(pattern)}`, async () => {
      const logs = await logsOf(rn, name)
      return pattern.test(logs) ? logs : undefined
    }, { timeoutMs: 120_000, intervalMs: 500 })
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await logsOf(rn, name)}`)
  }
}

describeRealNode('pods on a real node', () => {
  const rn = useRealNode({ crdsDir: false }, 'realnode')

  it('runs a container as its securityContext\'s non-root uid on a read-only root filesystem', async () => {
    const core = rn.kubeConfig().makeApiClient(CoreV1Api)
    await core.createNamespacedPod({
      namespace: rn.namespace,
      body: busyboxPod('secure', 'echo "uid=$(id -u) gid=$(id -g)"; if touch /probe 2>/dev/null; then echo rootfs=writable; else echo rootfs=readonly; fi; exec sleep 3600')
    })
    await waitPod(rn, 'secure', 'pod secure Running', p => p.status?.phase === 'Running')
    const logs = await waitLogs(rn, 'secure', /rootfs=/)
    expect(logs).toContain('uid=65532 gid=65532')
    expect(logs).toContain('rootfs=readonly')
    // The kernel's view of the container's process: every pid of the pod's cgroups that runs
    // `sleep` has real and effective uid 65532.
    const sleepers = cgroupTreePids(REAL_NODE.cgroupRoot).filter(pid => {
      try { return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep' } catch { return false }
    })
    expect(sleepers.length).toBeGreaterThan(0)
    for (const pid of sleepers) {
      const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
      expect([uids?.[1], uids?.[2]]).toEqual(['65532', '65532'])
    }
  }, 240_000)

  it('OOM-kills a container over its memory limit and restarts it', async () => {
    const core = rn.kubeConfig().makeApiClient(CoreV1Api)
    const pod = busyboxPod('hog', 'echo start; x=0123456789abcdef; while :; do x="$x$x"; done')
    pod.spec!.containers[0].resources = { limits: { memory: '32Mi' }, requests: { memory: '32Mi' } }
    await core.createNamespacedPod({ namespace: rn.namespace, body: pod })
    const p = await waitPod(rn, 'hog', 'pod hog OOMKilled and restarted', p => {
      const s = p.status?.containerStatuses?.[0]
      return (s?.restartCount ?? 0) >= 1 && s?.lastState?.terminated?.reason === 'OOMKilled'
    }, 180_000)
    expect(p.status?.containerStatuses?.[0].lastState?.terminated?.exitCode).toBe(137)
  }, 240_000)

  it('resolves a Service through CoreDNS and reaches its pod through kube-proxy', async () => {
    const core = rn.kubeConfig().makeApiClient(CoreV1Api)
    const ns = rn.namespace
    await core.createNamespacedPod({ namespace: ns, body: busyboxPod('web', 'exec httpd -f -v -p 8080 -h /www') })
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } })
    const svc = await core.readNamespacedService({ name: 'web', namespace: ns })
    const clusterIp = svc.spec?.clusterIP ?? ''
    expect(clusterIp).toMatch(/^10\.0\.0\./)
    await waitPod(rn, 'web', 'pod web Running', p => p.status?.phase === 'Running')
    // The client resolves the name with the nameserver the kubelet wrote into its resolv.conf
    // (the kube-dns Service), then fetches the page from the resolved ClusterIP. (nc, not wget:
    // the static busybox's libc resolver crashes in wget; nslookup has its own DNS client.)
    const name = `web.${ns}.svc.${REAL_NODE.clusterDomain}`
    await core.createNamespacedPod({
      namespace: ns,
      body: busyboxPod('client', [
        'cat /etc/resolv.conf',
        `until ip=$(nslookup ${name} | awk '/^Address:/ && !/#/ && !/:53$/ { a = $2 } END { if (a == "") exit 1; print a }'); do sleep 1; done`,
        'echo "resolved=$ip"',
        'until page=$(printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 3 "$ip" 80) && [ -n "$page" ]; do sleep 1; done',
        'echo "page=$(echo "$page" | tail -n 1)"',
        'exec sleep 3600'
      ].join('\n'))
    })
    const logs = await waitLogs(rn, 'client', /page=/)
    expect(logs).toContain(`nameserver ${REAL_NODE.dnsServiceIp}`)
    expect(logs).toContain(`resolved=${clusterIp}`)
    expect(logs).toContain('page=lattice-busybox')
  }, 240_000)
})
