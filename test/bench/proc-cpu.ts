/** Process CPU time from /proc (Linux): whole process and its main thread, in ms. */
import { readFileSync } from 'node:fs'

const TICK_MS = 10 // CLK_TCK 100 on Linux

function ticks (statPath: string): number {
  const stat = readFileSync(statPath, 'utf8')
  // fields after "(comm)": state is field 3, utime 14, stime 15 (1-based over the whole line)
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(rest[11]) + Number(rest[12])
}

export interface CpuSample { process: number, main: number }

/** CPU ms used so far by process `pid` (every thread) and by its main thread. */
export function cpuOf (pid: number): CpuSample {
  return { process: ticks(`/proc/${pid}/stat`) * TICK_MS, main: ticks(`/proc/${pid}/task/${pid}/stat`) * TICK_MS }
}

export function cpuSince (pid: number, before: CpuSample): CpuSample {
  const now = cpuOf(pid)
  return { process: now.process - before.process, main: now.main - before.main }
}
