/**
 * One HTTP poll: a bidirectional round with every lattice node, one after the other (nodes that failed
 * last time at the end), so a record the first node sent is not pulled again from the next one
 * (parallel rounds fetched every missing record once per node). A node that answers with this node's
 * own peer ID is this node (the operator's peers file lists every node) and is skipped from then on.
 */
import type { HttpSyncClient, RoundResult, RoundSource } from './client.js'
import type { IngestResult, LedgerRecord } from '../../ledger/interface.js'
import type { SyncMetrics } from '../metrics.js'
import type { Logger } from '../../../../packages/log/src/index.js'
import { PeerCertificateRejectedError } from '../../tls/errors.js'

export interface PollOutcome {
  ok: number
  failed: number
}

export interface HttpPollerComponents {
  client: HttpSyncClient
  selfPeerId: string
  nodes: () => string[]
  source: RoundSource
  apply: (records: LedgerRecord[]) => Promise<IngestResult>
  /** Each completed round (also one that found the node is this node). */
  onRound?: (result: RoundResult) => void
  metrics: SyncMetrics
  logger: Logger
}

export class HttpPoller {
  private readonly c: HttpPollerComponents
  private readonly selfUrls = new Set<string>()
  private readonly failedNodes = new Set<string>()

  constructor (components: HttpPollerComponents) {
    this.c = components
  }

  /** `keepGoing` is asked before each node: a stopping service ends the poll early. */
  async poll (keepGoing: () => boolean): Promise<PollOutcome> {
    const nodes = this.c.nodes()
      .filter(u => !this.selfUrls.has(u))
      .sort((x, y) => Number(this.failedNodes.has(x)) - Number(this.failedNodes.has(y)))
    const out: PollOutcome = { ok: 0, failed: 0 }
    for (const url of nodes) {
      if (!keepGoing()) break
      try {
        const r = await this.c.client.round(url, this.c.selfPeerId, this.c.source, async (records) => {
          const res = await this.c.apply(records)
          this.c.metrics.catchupRecords.inc({ transport: 'http' }, res.applied.length)
          return res
        })
        this.c.onRound?.(r)
        if (r.self) {
          this.selfUrls.add(url)
          this.c.logger.info('lattice node is this node: skipped from now on', { url })
          continue
        }
        this.failedNodes.delete(url)
        this.c.metrics.catchupBytes.inc({ transport: 'http' }, r.bytesIn)
        this.c.metrics.httpRounds.inc()
        out.ok++
        if (r.pulled > 0 || r.pushed > 0) this.c.logger.info('http sync round', { url, pulled: r.pulled, pushed: r.pushed, bytes_in: r.bytesIn })
      } catch (err) {
        out.failed++
        this.failedNodes.add(url)
        this.c.metrics.httpErrors.inc()
        const refused = (err as Error).cause
        if (refused instanceof PeerCertificateRejectedError) {
          // Another CA than the network's (or a certificate for another host): never sync with it.
          this.c.metrics.tlsRejected.inc({ reason: refused.reason })
          this.c.logger.warn('lattice node certificate refused', { url, reason: refused.reason, err: refused.message })
        } else {
          this.c.logger.warn('http sync round failed', { url, err: (err as Error).message })
        }
      }
    }
    return out
  }
}
