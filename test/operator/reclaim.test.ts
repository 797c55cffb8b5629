// Storage reclaim policy and spec.paused with the operator as a local process and no kubelet (the
// scenarios in test/operator/scenarios/reclaim.ts; they run against the operator pods on the real node
// in test/realnode/operator-pods.test.ts).
import { afterAll, beforeAll, describe } from '@jest/globals'
import { useCluster } from '../cluster/harness.js'
import { reclaimScenarios } from './scenarios/reclaim.js'
import { localOperator, type LocalOperator } from './under-test.js'

describe('storage reclaim policy (operator as a local process)', () => {
  const cluster = useCluster({ kubelet: false, controllerManager: true }, 'reclaim')
  let operator: LocalOperator

  beforeAll(async () => {
    operator = localOperator(cluster, {}, 'reclaim')
    await operator.start()
  }, 60_000)
  afterAll(async () => { await operator?.stop() }, 60_000)

  reclaimScenarios(() => ({ cluster, operator }))
})
