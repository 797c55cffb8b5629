/**
 * Per-record stage events for tracing tools, on a `node:diagnostics_channel` channel: the gossip
 * propagation benchmark (test/bench/sync.bench.ts) subscribes in the node process through a preloaded
 * module and times each record's stages. Nothing is built while nobody subscribes, so the
 * product path pays one property read per call.
 */
import { channel } from 'node:diagnostics_channel'

export const RECORD_STAGE_CHANNEL = 'lattice:record-stage'

/** Where a record is: `committed` (this node's group commit), `queued`/`handed`/`sent` (gossip out), `received`/`verified` (gossip in), `feed` (written to the changes feeds). */
export type RecordStage = 'committed' | 'queued' | 'handed' | 'sent' | 'received' | 'verified' | 'feed'

export interface RecordStageEvent { stage: RecordStage, ids: string[] }

const stages = channel(RECORD_STAGE_CHANNEL)

export function traceRecords<T extends { id: string }> (stage: RecordStage, records: readonly T[]): void
export function traceRecords<T> (stage: RecordStage, records: readonly T[], idOf: (item: T) => string): void
export function traceRecords<T> (stage: RecordStage, records: readonly T[], idOf: (item: T) => string = (item) => (item as { id: string }).id): void {
  if (!stages.hasSubscribers) return
  stages.publish({ stage, ids: records.map(idOf) } satisfies RecordStageEvent)
}
