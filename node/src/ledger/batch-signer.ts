/**
 * The batch signer: signs a group commit's new local records on one worker thread, one message per
 * group, so the event loop pays a message instead of a thread-pool job per record (node:crypto's
 * callback form costs the main thread several microseconds per signature, a third of the signature
 * itself) and the signatures run on the other core while the event loop parses the next requests.
 *
 * Where the worker cannot start or dies, ids are signed on the libuv thread pool instead (the
 * signer's signAsync, as before): slower, never skipped.
 */
import { Worker } from 'node:worker_threads'
import type { Logger } from '../../../packages/log/src/index.js'
import { ed25519KeyObject, type RecordSigner } from './record.js'
import { ID_LENGTH, SIG_LENGTH, type SignWorkerResult, type SignWorkerTask } from './sign-protocol.js'
import type { PrivateKey } from '@libp2p/interface'

export interface BatchSigner {
  /** Signatures of `ids`, in order (base64url, as RecordSigner.sign makes them). */
  signMany(ids: readonly string[]): Promise<string[]>
  /** Terminate the worker (a pending batch is signed on the thread pool instead). */
  close(): Promise<void>
}

export interface BatchSignerInit {
  /** Use a worker thread (default true); false signs on the libuv thread pool only. */
  worker?: boolean
}

export interface BatchSignerComponents {
  privateKey: PrivateKey
  /** The same key on this thread: the fallback. */
  signer: RecordSigner
  logger: Logger
}

interface Pending {
  resolve(sigs: string): void
  reject(err: Error): void
}

export function createBatchSigner (init: BatchSignerInit, components: BatchSignerComponents): BatchSigner {
  const { signer, logger } = components
  const pending = new Map<number, Pending>()
  let worker: Worker | undefined
  let nextTask = 1
  let closed = false
  let failed = init.worker === false

  const onThreadPool = async (ids: readonly string[]): Promise<string[]> => await Promise.all(ids.map(async (id) => await signer.signAsync(id)))

  /** Started on first use; undefined once it cannot start (then the thread pool signs). */
  const thread = (): Worker | undefined => {
    if (worker !== undefined || failed || closed) return worker
    try {
      const w = new Worker(new URL('./sign-worker.js', import.meta.url), { workerData: { key: ed25519KeyObject(components.privateKey) } })
      // never keeps the process alive; close() terminates it on a clean stop
      w.unref()
      w.on('message', (msg: SignWorkerResult) => {
        const p = pending.get(msg.task)
        if (p === undefined) return
        pending.delete(msg.task)
        p.resolve(msg.sigs)
      })
      const die = (err: Error): void => {
        if (worker !== w) return
        worker = undefined
        for (const p of pending.values()) p.reject(err)
        pending.clear()
        if (!closed) logger.warn('sign worker stopped: signing on the thread pool; a new worker starts with the next group', { err: err.message })
      }
      w.on('error', die)
      w.on('exit', (code) => { die(new Error(`sign worker exited with code ${code}`)) })
      worker = w
    } catch (err) {
      failed = true
      logger.warn('sign worker cannot start: signing on the thread pool', { err: (err as Error).message })
    }
    return worker
  }

  return {
    async signMany (ids) {
      const w = thread()
      // ids of any other length (never made by the ledger) are not worth a special message format
      if (w === undefined || ids.length === 0 || ids.some((id) => id.length !== ID_LENGTH)) return await onThreadPool(ids)
      const task = nextTask++
      try {
        const sigs = await new Promise<string>((resolve, reject) => {
          pending.set(task, { resolve, reject })
          w.postMessage({ task, ids: ids.join('') } satisfies SignWorkerTask)
        })
        return Array.from({ length: ids.length }, (_, i) => sigs.slice(i * SIG_LENGTH, (i + 1) * SIG_LENGTH))
      } catch {
        // the worker died with this batch (logged once): sign it here
        return await onThreadPool(ids)
      }
    },
    async close () {
      closed = true
      const w = worker
      worker = undefined
      for (const p of pending.values()) p.reject(new Error('sign worker closed'))
      pending.clear()
      await w?.terminate()
    }
  }
}
