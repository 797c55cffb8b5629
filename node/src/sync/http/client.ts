/**
 * HTTP sync client: one bidirectional round with another node over its sync endpoints.
 * Uses node:http(s) rather than fetch so that a CA file (AETHEL_TLS_CA_FILE) can be trusted per agent
 * and connections are kept alive between polls.
 */
import http from 'node:http'
import https from 'node:https'
import { HttpSyncError } from '../errors.js'
import { PeerCertificateRejectedError } from '../../tls/errors.js'
import { certificateRejection } from '../../tls/verify.js'
import { pemBlocks } from '../../tls/files.js'
import { decodeBatch, encodeFrame, type SyncBatch } from '../codec.js'
import { batchesFor, type BatchLimits, type RecordSource } from '../reconcile.js'
import { advance } from '../../ledger/version-vector.js'
import type { IngestResult, LedgerRecord, VersionVector } from '../../ledger/interface.js'

export const BATCH_CONTENT_TYPE = 'application/vnd.aethel.sync-batch+br'

export interface HttpSyncClientInit {
  token: string
  /** CA bundle trusted for https:// nodes; a function is asked before each request (the bundle reloads). */
  ca?: Buffer | (() => Buffer | undefined)
  timeoutMs: number
  limits: BatchLimits
}

export interface RoundSource extends RecordSource {
  versionVector: () => VersionVector
}

export interface RoundResult {
  url: string
  /** The URL answered with this node's own peer ID: it is this node (the peers file lists every node). */
  self: boolean
  pulled: number
  pushed: number
  /** Compressed bytes received from the other node. */
  bytesIn: number
  bytesOut: number
  /** The other node's version vector from its last pull answer. */
  versionVector?: VersionVector
}

interface Reply { status: number, contentType: string, body: Buffer }

export class HttpSyncClient {
  private readonly init: HttpSyncClientInit
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 })
  private httpsAgent: https.Agent
  private agentCa: Buffer | undefined

  constructor (init: HttpSyncClientInit) {
    this.init = init
    this.agentCa = this.currentCa()
    this.httpsAgent = this.newHttpsAgent(this.agentCa)
  }

  private currentCa (): Buffer | undefined {
    return typeof this.init.ca === 'function' ? this.init.ca() : this.init.ca
  }

  private newHttpsAgent (ca: Buffer | undefined): https.Agent {
    // one entry per certificate: OpenSSL stops at a bundle whose blocks are not newline-separated
    return new https.Agent({ keepAlive: true, maxSockets: 4, ...(ca !== undefined ? { ca: pemBlocks(ca) } : {}) })
  }

  /** The https agent for the bundle in force: a new bundle gets a new agent (kept-alive sockets verified the old one). */
  private agentForHttps (): https.Agent {
    const ca = this.currentCa()
    if (ca !== this.agentCa) {
      this.httpsAgent.destroy()
      this.agentCa = ca
      this.httpsAgent = this.newHttpsAgent(ca)
    }
    return this.httpsAgent
  }

  close (): void {
    this.httpAgent.destroy()
    this.httpsAgent.destroy()
  }

  /**
   * Pull what I lack (until the other says no more), then push what it lacks (from the vector it
   * sent with its last answer). `apply` ingests pulled records.
   */
  async round (baseUrl: string, selfPeerId: string, source: RoundSource, apply: (records: LedgerRecord[]) => Promise<IngestResult>): Promise<RoundResult> {
    const result: RoundResult = { url: baseUrl, self: false, pulled: 0, pushed: 0, bytesIn: 0, bytesOut: 0 }
    let mine = source.versionVector()
    let theirs: VersionVector | undefined
    // bounded: a peer that keeps answering `more` cannot hold the round forever
    for (let i = 0; i < 10_000; i++) {
      const body = Buffer.from(JSON.stringify({ version_vector: mine, limit: this.init.limits.limit, max_bytes: this.init.limits.maxBytes }))
      const reply = await this.post(baseUrl, '/api/lattice/sync/pull', body, 'application/json')
      result.bytesIn += reply.body.length
      result.bytesOut += body.length
      const batch: SyncBatch = await decodeBatch(reply.body).catch((err: Error) => { throw new HttpSyncError(baseUrl, err.message, reply.status, { cause: err }) })
      if (batch.peer_id === selfPeerId) {
        result.self = true
        return result
      }
      theirs = batch.version_vector ?? theirs
      if (batch.records.length > 0) {
        await apply(batch.records)
        result.pulled += batch.records.length
        // advance by what was sent, not by what applied: a rejected record must not loop the pull
        mine = advance(mine, batch.records)
      }
      if (!batch.more || batch.records.length === 0) break
    }
    if (theirs === undefined) return result
    result.versionVector = theirs
    for (const batch of batchesFor(source, theirs, this.init.limits)) {
      const frame = Buffer.from(await encodeFrame({ records: batch.records, more: batch.more }))
      const reply = await this.post(baseUrl, '/api/lattice/sync/push', frame, BATCH_CONTENT_TYPE)
      result.bytesOut += frame.length
      result.bytesIn += reply.body.length
      result.pushed += batch.records.length
    }
    return result
  }

  private async post (baseUrl: string, path: string, body: Buffer, contentType: string): Promise<Reply> {
    const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : baseUrl + '/')
    // keep a path prefix of the base URL (the seed's nodes live under /spaces/… on one host)
    const prefix = new URL(baseUrl).pathname.replace(/\/+$/, '')
    url.pathname = prefix + path
    const isHttps = url.protocol === 'https:'
    const lib = isHttps ? https : http
    return await new Promise<Reply>((resolve, reject) => {
      const req = lib.request(url, {
        method: 'POST',
        agent: isHttps ? this.agentForHttps() : this.httpAgent,
        headers: {
          authorization: `Bearer ${this.init.token}`,
          'content-type': contentType,
          'content-length': body.length,
          accept: `${BATCH_CONTENT_TYPE}, application/json`
        },
        signal: AbortSignal.timeout(this.init.timeoutMs)
      }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', (err) => { reject(new HttpSyncError(baseUrl, err.message, res.statusCode, { cause: err })) })
        res.on('end', () => {
          const reply: Reply = { status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }
          if (reply.status >= 200 && reply.status < 300) resolve(reply)
          else reject(new HttpSyncError(baseUrl, `${path} answered ${reply.status}: ${reply.body.toString('utf8').slice(0, 200)}`, reply.status))
        })
      })
      req.on('error', (err) => {
        const refused = certificateRejection(err)
        const cause = refused !== undefined ? new PeerCertificateRejectedError(baseUrl, refused, { cause: err }) : err
        reject(new HttpSyncError(baseUrl, cause.message, undefined, { cause }))
      })
      req.end(body)
    })
  }
}
