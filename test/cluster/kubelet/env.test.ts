import { describe, expect, it } from '@jest/globals'
import type { V1Container, V1Pod } from '@kubernetes/client-node'
import { EnvResolveError, resolveEnv, type RefLookups } from './env.js'

const pod: V1Pod = { metadata: { name: 'p1', namespace: 'ns1', uid: 'u1', labels: { app: 'x' } }, spec: { containers: [], serviceAccountName: 'sa' } }
const facts = { podIP: '127.1.2.3', hostIP: '127.0.0.1', nodeName: 'local-kubelet' }
const lookups: RefLookups = {
  secret: async (ns, name) => ns === 'ns1' && name === 's' ? { token: 'sekret' } : undefined,
  configMap: async (ns, name) => ns === 'ns1' && name === 'cm' ? { mode: 'auto', A: '1' } : undefined
}

describe('resolveEnv', () => {
  it('resolves values, refs, the downward API and $(VAR) expansion in order', async () => {
    const c: V1Container = {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
      env: [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'LISTEN', value: '$(POD_IP):8080' },
        { name: 'EARLY', value: '$(LATER)' },
        { name: 'LATER', value: 'x' },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'token' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cm', key: 'mode' } } },
        { name: 'OPT', valueFrom: { secretKeyRef: { name: 'missing', key: 'k', optional: true } } }
      ]
    }
    const env = await resolveEnv(pod, c, facts, lookups, { KUBERNETES_SERVICE_HOST: '127.0.0.1' })
    expect(Object.fromEntries(env)).toEqual({
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      CM_mode: 'auto',
      CM_A: '1',
      POD_IP: '127.1.2.3',
      POD_NAME: 'p1',
      NS: 'ns1',
      APP: 'x',
      NODE: 'local-kubelet',
      LISTEN: '127.1.2.3:8080',
      EARLY: '$(LATER)',
      LATER: 'x',
      TOKEN: 'sekret',
      MODE: 'auto'
    })
  })
  it('fails with a named error on a missing required ref', async () => {
    const c: V1Container = { name: 'c', env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'missing', key: 'k' } } }] }
    await expect(resolveEnv(pod, c, facts, lookups)).rejects.toBeInstanceOf(EnvResolveError)
  })
})
