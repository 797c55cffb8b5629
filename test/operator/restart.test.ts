// Restart the operator mid-rollout: a fresh operator (no memory but the API) resumes and finishes.
// The same scenario runs on the real node with the leader pod deleted (test/realnode/operator-pods.test.ts).
import { afterAll, beforeAll, describe } from '@jest/globals'
import { useCluster } from '../cluster/harness.js'
import { operatorReplacedMidRolloutScenario } from './scenarios/operator-replaced.js'
import { localOperator, type LocalOperator } from './under-test.js'

describe('operator restart mid-rollout (operator as a local process)', () => {
  const cluster = useCluster({}, 'oprestart')
  let operator: LocalOperator

  beforeAll(async () => {
    operator = localOperator(cluster, {}, 'first')
    await operator.start()
  }, 60_000)
  afterAll(async () => { await operator?.stop() }, 60_000)

  operatorReplacedMidRolloutScenario(() => ({ cluster, operator }))
})
