/**
 * The operator a shared scenario (test/operator/scenarios/) runs against. Two kinds exist: the
 * operator as a local process in the test process (`localOperator`, on any cluster of
 * test/cluster), and the operator as pods from its image installed with Helm on the real node
 * (`installOperatorChart` in test/cluster/realnode/operator-chart.ts). The scenarios only read the
 * reconciling operator's metrics and replace it; both kinds register their logs with the kit's
 * failure dumps.
 */
import type { ClusterContext } from '../cluster/harness.js'
import type { OperatorInit } from '../../operator/src/operator.js'
import { metricsText, startOperator, type RunningOperator } from './helpers.js'

export interface OperatorUnderTest {
  /** Where the operator runs, for test names and messages. */
  readonly where: string
  /** The Prometheus text of the operator that reconciles now (the leader where several run). */
  metrics: () => Promise<string>
  /**
   * Takes the reconciling operator away and lets another one carry on with nothing but what is in
   * the API: a fresh local process, or the other replica taking over the leader Lease.
   */
  replace: () => Promise<void>
}

export interface LocalOperator extends OperatorUnderTest {
  start: () => Promise<void>
  stop: () => Promise<void>
}

/** The operator in the test process (createOperator), started by start(); replace() stops it and starts a new one. */
export function localOperator (cluster: ClusterContext, overrides: Partial<OperatorInit> = {}, label = 'op'): LocalOperator {
  const all: RunningOperator[] = []
  let current: RunningOperator | undefined
  const start = async (): Promise<void> => {
    current = await startOperator(cluster, overrides, all.length === 0 ? label : `${label}-${all.length + 1}`)
    all.push(current)
  }
  return {
    where: 'a local process',
    start,
    stop: async () => { for (const o of all) await o.stop() },
    metrics: async () => {
      if (current === undefined) throw new Error('no operator running')
      return await metricsText(current.operator)
    },
    replace: async () => {
      await current?.stop()
      await start()
    }
  }
}
