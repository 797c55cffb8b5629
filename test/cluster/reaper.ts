/**
 * A tiny watchdog process: `node reaper.js <parentPid> <pgidFile>`. When the parent dies without
 * cleaning up (a crashed or killed jest worker), it SIGKILLs every process group listed in the
 * file, so no etcd, API server or pod process outlives the test run. It exits quietly when the
 * parent removes the file (clean shutdown).
 */
import fs from 'node:fs'
import { isAlive } from './pid.js'

const parentPid = Number(process.argv[2])
const pgidFile = process.argv[3]

function tick (): void {
  if (!fs.existsSync(pgidFile)) process.exit(0)
  if (isAlive(parentPid)) return
  const pgids = fs.readFileSync(pgidFile, 'utf8').split('\n').map(Number).filter(n => Number.isInteger(n) && n > 1)
  for (const pgid of pgids) {
    try { process.kill(-pgid, 'SIGKILL') } catch { /* already gone */ }
  }
  try { fs.rmSync(pgidFile) } catch { /* ignore */ }
  process.exit(0)
}

setInterval(tick, 500)
