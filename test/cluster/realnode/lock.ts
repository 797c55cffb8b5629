import { waitFor } from '../../../packages/testkit/src/index.js'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isAlive } from '../pid.js'

/**
 * One real node per machine at a time: its bridge, cgroup root and kube-proxy's nftables tables
 * are machine-wide names. The lock file names the holder's pid and state dir, so a holder that
 * died without cleaning up (a killed jest worker) is recognised and its leftovers removed.
 */
export interface RealNodeLockHolder { pid: number, stateDir: string }

export function lockFile (): string {
  return path.join(os.tmpdir(), 'lattice-realnode.lock')
}

function readHolder (): RealNodeLockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(lockFile(), 'utf8')) as RealNodeLockHolder
  } catch {
    return undefined
  }
}

/**
 * Takes the lock, waiting up to `timeoutMs` for a live holder. A dead holder's state dir is passed
 * to `cleanUpStale` before the lock is taken over.
 */
export async function acquireRealNodeLock (stateDir: string, cleanUpStale: (stateDir: string) => Promise<void>, timeoutMs = 10 * 60_000): Promise<void> {
  const me = JSON.stringify({ pid: process.pid, stateDir } satisfies RealNodeLockHolder)
  await waitFor('the real node lock (another real node runs on this machine)', async () => {
    try {
      fs.writeFileSync(lockFile(), me, { flag: 'wx' })
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = readHolder()
    if (holder != null && isAlive(holder.pid)) return false
    if (holder != null) await cleanUpStale(holder.stateDir)
    fs.rmSync(lockFile(), { force: true })
    return false
  }, { timeoutMs, intervalMs: 1000 })
}

export function releaseRealNodeLock (): void {
  const holder = readHolder()
  if (holder?.pid === process.pid) fs.rmSync(lockFile(), { force: true })
}
