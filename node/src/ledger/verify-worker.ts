/**
 * Worker thread of the record verifier (verifier.ts): runs the full check of each record of a task
 * (shape, id, synchronous Ed25519 verification: this thread is one core's worth) and posts the outcomes.
 */
import { parentPort } from 'node:worker_threads'
import { verifySignature } from './record.js'
import { checkOne, type VerifyWorkerResult, type VerifyWorkerTask } from './verifier.js'

parentPort?.on('message', (task: VerifyWorkerTask) => {
  const outcomes = task.records.map((r, i) => checkOne(r, task.signature[i], task.limits, verifySignature))
  const result: VerifyWorkerResult = { task: task.task, outcomes }
  parentPort?.postMessage(result)
})
