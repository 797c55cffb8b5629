/**
 * Worker thread of the record verifier (verifier.ts): runs the full check of each record of a task
 * (shape, id, synchronous Ed25519 verification: this thread is one core's worth) and posts the outcomes.
 * It imports only record-checks.ts (no libp2p code: the main thread sends the origins' public keys),
 * so it starts in tens of ms.
 */
import { parentPort } from 'node:worker_threads'
import { fullCheck, type OriginKeys } from './record-checks.js'
import type { VerifyWorkerResult, VerifyWorkerTask } from './verifier.js'

parentPort?.on('message', (task: VerifyWorkerTask) => {
  const keys = new Map(task.keys)
  const keyOf: OriginKeys = (origin) => keys.get(origin)
  const outcomes = task.records.map((r, i) => fullCheck(r, task.signature[i], task.limits, keyOf))
  const result: VerifyWorkerResult = { task: task.task, outcomes }
  parentPort?.postMessage(result)
})
