// Acceptance: a LatticeNetwork on a real control plane (etcd, kube-apiserver, controller-manager for
// garbage collection) with the local kubelet running real lattice-node processes on 127.0.0.x, and
// the operator as a local process. The same scenarios run against the operator's image as two pods
// on the real node in test/realnode/operator-pods.test.ts.
import { afterAll, beforeAll, describe } from '@jest/globals'
import { useCluster } from '../cluster/harness.js'
import { networkLifecycleScenarios } from './scenarios/network-lifecycle.js'
import { localOperator, type LocalOperator } from './under-test.js'

describe('LatticeNetwork lifecycle (operator as a local process)', () => {
  const cluster = useCluster({ controllerManager: true }, 'lnet')
  let operator: LocalOperator

  beforeAll(async () => {
    operator = localOperator(cluster, {}, 'lifecycle')
    await operator.start()
  }, 60_000)
  afterAll(async () => { await operator?.stop() }, 60_000)

  networkLifecycleScenarios(() => ({ cluster, operator }))
})
