/**
 * The LatticeNode condition `Recovering`, from the `recovery` field of the node's status body: a node
 * that does not know its own head yet (a lost or damaged ledger, identity kept) refuses writes until it
 * holds what its peers hold of its own records (node/src/sync/own-head.ts).
 */
import type { ConditionInput } from '../../status/conditions.js'
import type { ProbeResult } from '../../probe/prober.js'

export function recoveringCondition (probe: ProbeResult | undefined): ConditionInput {
  const recovery = probe?.up === true ? probe.status?.recovery : undefined
  if (probe?.up !== true) {
    return { type: 'Recovering', status: 'Unknown', reason: 'NotProbed', message: 'the node API did not answer the last probe' }
  }
  if (recovery === undefined) {
    return { type: 'Recovering', status: 'Unknown', reason: 'NotReported', message: 'the node does not report own-head recovery (an older version)' }
  }
  if (recovery.recovering) {
    const missing = recovery.missing_records > 0
    return {
      type: 'Recovering',
      status: 'True',
      reason: missing ? 'RecoveringOwnRecords' : 'AwaitingOwnHead',
      message: `writes refused: ${recovery.reason}${missing ? ` (${recovery.missing_records} own records missing)` : ''}`
    }
  }
  return {
    type: 'Recovering',
    status: 'False',
    reason: 'OwnHeadKnown',
    message: recovery.recovered_records > 0
      ? `recovered ${recovery.recovered_records} of its own records from peers; writes accepted from seq ${recovery.own_head + 1}`
      : 'the node knows its own head; writes accepted'
  }
}
