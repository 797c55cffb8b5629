import { describe, expect, it } from '@jest/globals'
import { p2pStatus } from '../../../../packages/testkit/src/fixtures/status.js'
import type { RecoveryStatus } from '../../../../packages/contracts/src/node-api.js'
import type { ProbeResult } from '../../probe/prober.js'
import { recoveringCondition } from './recovering.js'

const known: RecoveryStatus = { recovering: false, reason: 'every configured peer answered', own_head: 0, peer_head: 0, missing_records: 0, missing_detected: 0, recovered_records: 0, since: null }
const probe = (recovery: Partial<RecoveryStatus> | null): ProbeResult => {
  const { recovery: _omit, ...older } = p2pStatus()
  return { up: true, status: recovery === null ? older : { ...older, recovery: { ...known, ...recovery } }, at: 0 }
}

describe('Recovering condition', () => {
  it('is True with the node\'s reason and the missing count while the node refuses writes', () => {
    expect(recoveringCondition(probe({ recovering: true, reason: 'peers hold seq 40 of this node\'s records, its ledger only 20: recovering them before writing', missing_records: 20 }))).toEqual({
      type: 'Recovering',
      status: 'True',
      reason: 'RecoveringOwnRecords',
      message: 'writes refused: peers hold seq 40 of this node\'s records, its ledger only 20: recovering them before writing (20 own records missing)'
    })
    expect(recoveringCondition(probe({ recovering: true, reason: 'asking peers', missing_records: 0 }))).toMatchObject({ status: 'True', reason: 'AwaitingOwnHead', message: 'writes refused: asking peers' })
  })

  it('is False once the node knows its head, saying what it recovered', () => {
    expect(recoveringCondition(probe({ recovering: false, recovered_records: 40, own_head: 40 }))).toMatchObject({ status: 'False', reason: 'OwnHeadKnown', message: 'recovered 40 of its own records from peers; writes accepted from seq 41' })
    expect(recoveringCondition(probe({}))).toMatchObject({ status: 'False', reason: 'OwnHeadKnown', message: 'the node knows its own head; writes accepted' })
  })

  it('is Unknown when the node did not answer or does not report recovery', () => {
    expect(recoveringCondition({ up: false, error: 'timeout', at: 0 })).toMatchObject({ status: 'Unknown', reason: 'NotProbed' })
    expect(recoveringCondition(undefined)).toMatchObject({ status: 'Unknown', reason: 'NotProbed' })
    expect(recoveringCondition(probe(null))).toMatchObject({ status: 'Unknown', reason: 'NotReported' })
  })
})
