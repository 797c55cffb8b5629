/**
 * Worker thread of the batch signer (batch-signer.ts): signs each id of a task with the node's key,
 * synchronously (this thread is one core's worth), and posts the signatures back in order.
 */
import { sign, type KeyObject } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import { ID_LENGTH, type SignWorkerResult, type SignWorkerTask } from './sign-protocol.js'

const key = (workerData as { key: KeyObject }).key

parentPort?.on('message', (task: SignWorkerTask) => {
  // ids arrive as one string of 64-character ids; signatures go back as one string of 86-character ones
  const ids = Buffer.from(task.ids, 'latin1')
  let sigs = ''
  for (let at = 0; at < ids.length; at += ID_LENGTH) sigs += sign(null, ids.subarray(at, at + ID_LENGTH), key).toString('base64url')
  const result: SignWorkerResult = { task: task.task, sigs }
  parentPort?.postMessage(result)
})
