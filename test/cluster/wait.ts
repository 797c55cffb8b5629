import { waitFor as poll, type WaitOptions as PollOptions } from '../support/wait.js'

export type WaitOptions = Pick<PollOptions, 'timeoutMs' | 'intervalMs'>

/** The harness's form of the one polling loop: what is awaited first, a 60 s default deadline. */
export async function waitFor<T> (what: string, check: () => Promise<T | undefined | false> | T | undefined | false, opts: WaitOptions = {}): Promise<T> {
  return await poll(check, { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: opts.intervalMs ?? 100, message: what })
}
