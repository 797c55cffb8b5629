/**
 * Preloaded into node processes by the propagation benchmark (`NODE_OPTIONS=--import=<this file>`,
 * `LATTICE_STAGE_TRACE_DIR`): writes `stage id monotonic-ns` for every record stage event of
 * node/src/util/record-trace.ts to `<dir>/<pid>.trace`, flushed every 100 ms.
 */
import { subscribe } from 'node:diagnostics_channel'
import { appendFileSync } from 'node:fs'
import path from 'node:path'
import { RECORD_STAGE_CHANNEL, type RecordStageEvent } from '../../node/src/util/record-trace.js'

const dir = process.env.LATTICE_STAGE_TRACE_DIR
if (dir !== undefined) {
  const file = path.join(dir, `${process.pid}.trace`)
  let lines: string[] = []
  subscribe(RECORD_STAGE_CHANNEL, (message) => {
    const { stage, ids } = message as RecordStageEvent
    const at = process.hrtime.bigint()
    for (const id of ids) lines.push(`${stage} ${id} ${at}\n`)
  })
  setInterval(() => {
    if (lines.length === 0) return
    const out = lines.join('')
    lines = []
    appendFileSync(file, out)
  }, 100).unref()
}
