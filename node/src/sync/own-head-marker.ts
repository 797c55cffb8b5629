/**
 * The own-head marker: the highest seq of its own records this data directory acknowledged, in a small
 * file beside the ledger (not inside it), so that a ledger file that is deleted, truncated or loses
 * its WAL does not also lose the evidence that it once held more. The own-head gate uses it to refuse
 * writes on a lone node whose ledger went back (writing would reuse seqs).
 *
 * Written after commits, at most once per interval, atomically (temporary file + rename, mode 0600).
 * It can lag the ledger by one interval: it is evidence of a loss, not a record of every write; the
 * peers are the authority.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'

export interface OwnHeadMarkerInit {
  file: string
  /** The node's peer ID: a marker written under another identity is ignored. */
  origin: string
  /** Minimum time between two writes (default 1 s). */
  minIntervalMs?: number
  /** A write failed (the marker is evidence, not the ledger: the node goes on). */
  onError: (err: Error) => void
}

export interface OwnHeadMarker {
  /** The ledger's own head moved to `seq` (a write may follow, throttled). */
  observe(seq: number): void
  /** Write the last observed head now (on stop). */
  flush(): Promise<void>
}

interface MarkerBody { origin: string, seq: number }

/** The marker's seq for this origin, or undefined when there is none (or it belongs to another identity). */
export async function readOwnHeadMarker (file: string, origin: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    const body = JSON.parse(text) as Partial<MarkerBody>
    return body.origin === origin && Number.isSafeInteger(body.seq) && (body.seq as number) > 0 ? body.seq : undefined
  } catch {
    // a torn or damaged marker says nothing; the peers still do
    return undefined
  }
}

export function createOwnHeadMarker (init: OwnHeadMarkerInit, initialSeq: number): OwnHeadMarker {
  const interval = init.minIntervalMs ?? 1000
  let observed = initialSeq
  let written = initialSeq
  let timer: NodeJS.Timeout | undefined
  let firstScheduled = false
  let writing: Promise<void> = Promise.resolve()

  const write = async (): Promise<void> => {
    const seq = observed
    if (seq <= written) return
    const tmp = `${init.file}.tmp`
    await writeFile(tmp, JSON.stringify({ origin: init.origin, seq } satisfies MarkerBody), { mode: 0o600 })
    await rename(tmp, init.file)
    written = Math.max(written, seq)
  }
  const schedule = (): void => {
    writing = writing.then(write).catch((err: Error) => { init.onError(err) })
  }

  return {
    observe (seq) {
      if (seq <= observed) return
      observed = seq
      if (timer !== undefined) return
      // the first own record of this data directory: say so at once, later heads once per interval
      if (written === 0 && !firstScheduled) {
        firstScheduled = true
        schedule()
        return
      }
      timer = setTimeout(() => { timer = undefined; schedule() }, interval)
      timer.unref()
    },
    async flush () {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      schedule()
      await writing
    }
  }
}
