/** Process CPU time from /proc (Linux), in ms: the whole process and per thread kind (by thread name). */
import { readdirSync, readFileSync } from 'node:fs'

const TICK_MS = 10 // CLK_TCK 100 on Linux

function ticks (statPath: string): number {
  const stat = readFileSync(statPath, 'utf8')
  // fields after "(comm)": utime and stime are the 12th and 13th
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(rest[11]) + Number(rest[12])
}

/**
 * Node 24 names its threads: MainThread, V8Worker (GC and compiler helpers), libuv-worker (the thread
 * pool: async crypto such as Ed25519 verify, fs), DelayedTaskSche, SignalInspector.
 */
export interface CpuSample { process: number, main: number, threads: Map<string, number> }

/** CPU ms used so far by process `pid` (every thread), by its main thread and by thread name. */
export function cpuOf (pid: number): CpuSample {
  const threads = new Map<string, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
      threads.set(name, (threads.get(name) ?? 0) + ticks(`/proc/${pid}/task/${tid}/stat`) * TICK_MS)
    } catch {
      // the thread ended meanwhile
    }
  }
  return { process: ticks(`/proc/${pid}/stat`) * TICK_MS, main: ticks(`/proc/${pid}/task/${pid}/stat`) * TICK_MS, threads }
}

export function cpuSince (pid: number, before: CpuSample): CpuSample {
  const now = cpuOf(pid)
  const threads = new Map<string, number>()
  for (const [name, ms] of now.threads) threads.set(name, ms - (before.threads.get(name) ?? 0))
  return { process: now.process - before.process, main: now.main - before.main, threads }
}
