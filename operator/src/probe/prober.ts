/**
 * Probes node APIs: GET /api/lattice/p2p/status and /api/lattice/state with a timeout (each body
 * checked against the contract, packages/contracts node-api-parse.ts), at most
 * `concurrency` nodes at a time, keeping the last result per node. A node that does not answer is a
 * result with up=false, never an exception: one dead node must not stall or crash the operator.
 */

import https from 'node:https'
import type { TLSSocket } from 'node:tls'
import type { P2PStatus, StateBody } from '../../../packages/contracts/src/node-api.js'
import { parseP2PStatus, parseStateBody } from '../../../packages/contracts/src/node-api-parse.js'

export interface ProbeTarget {
  /** Cache key, e.g. `<namespace>/<node>`. */
  key: string
  /** Base URL, e.g. http://10.0.0.5:8080 or https://10.0.0.5:8080 */
  baseUrl: string
  /**
   * For https: the network's CA bundle (PEM) to verify the node's certificate against, and the host
   * name to verify it for (the node's Service name: the certificate names the pod IP only once the
   * operator has seen it).
   */
  tls?: { ca: string, servername: string }
}

export interface ProbeResult {
  up: boolean
  status?: P2PStatus
  state?: StateBody
  error?: string
  /** https: SHA-256 fingerprint of the certificate the node served (as node:tls spells it). */
  servedCertificate?: string
  /** ms since epoch */
  at: number
}

export interface NodeProber {
  probe(target: ProbeTarget): Promise<ProbeResult>
  /** Probes all targets with bounded concurrency; results in target order. */
  probeAll(targets: readonly ProbeTarget[]): Promise<ProbeResult[]>
  last(key: string): ProbeResult | undefined
  /**
   * Keep the results (and consecutive-failure counts) of these keys only. Keys name a pod IP, so
   * every replaced pod or deleted node leaves one behind: the probe loop calls this after each round
   * with the keys it probed, and the maps stay as large as the set of running pods.
   */
  retain(keys: ReadonlySet<string>): void
}

export interface NodeProberInit {
  timeoutMs?: number
  /**
   * Consecutive failed probes before a node that answered before counts as down (default 3, the
   * kubelet's default): one slow answer from a busy node is not an outage, and flipping Reachable
   * on it would write status twice for nothing.
   */
  failureThreshold?: number
  concurrency?: number
}

export interface NodeProberComponents {
  fetch?: typeof fetch
  now?: () => number
}

export class ProbeResponseError extends Error {
  readonly url: string
  readonly status: number
  constructor (url: string, status: number) {
    super(`GET ${url} answered ${status}`)
    this.name = 'ProbeResponseError'
    this.url = url
    this.status = status
  }
}

/** A counting semaphore: at most `limit` holders. */
export function createLimiter (limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: Array<() => void> = []
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>(resolve => waiting.push(resolve))
    active++
    try {
      return await fn()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

class HttpNodeProber implements NodeProber {
  private readonly results = new Map<string, ProbeResult>()
  private readonly failures = new Map<string, number>()
  private readonly timeoutMs: number
  private readonly failureThreshold: number
  private readonly limit: <T>(fn: () => Promise<T>) => Promise<T>
  private readonly fetchFn: typeof fetch
  private readonly now: () => number

  constructor (init: NodeProberInit, c: NodeProberComponents) {
    this.timeoutMs = init.timeoutMs ?? 2000
    this.failureThreshold = init.failureThreshold ?? 3
    this.limit = createLimiter(init.concurrency ?? 8)
    this.fetchFn = c.fetch ?? fetch
    this.now = c.now ?? Date.now
  }

  /**
   * GET over https verifying the network's CA (fetch cannot take a CA per request). A new connection
   * each time (no keep-alive): the probe then sees the certificate the node serves now, which the CA
   * rotation waits for (`servedCertificate`), and an ECDSA handshake per node and interval costs little.
   */
  private async getJsonTls (url: string, tls: NonNullable<ProbeTarget['tls']>, served?: (fingerprint256: string) => void): Promise<unknown> {
    return await new Promise<unknown>((resolve, reject) => {
      const req = https.get(url, { agent: false, ca: tls.ca, servername: tls.servername, headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) }, res => {
        served?.((res.socket as TLSSocket).getPeerCertificate().fingerprint256)
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) { reject(new ProbeResponseError(url, res.statusCode ?? 0)); return }
          try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) } catch (err) { reject(err) }
        })
      })
      req.on('error', reject)
    })
  }

  private async getJson (url: string, tls?: ProbeTarget['tls'], served?: (fingerprint256: string) => void): Promise<unknown> {
    if (tls !== undefined) return await this.getJsonTls(url, tls, served)
    const res = await this.fetchFn(url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } })
    if (!res.ok) {
      await res.body?.cancel()
      throw new ProbeResponseError(url, res.status)
    }
    return await res.json()
  }

  async probe (target: ProbeTarget): Promise<ProbeResult> {
    return await this.limit(async () => {
      let result: ProbeResult
      let servedCertificate: string | undefined
      try {
        const [status, state] = await Promise.all([
          this.getJson(`${target.baseUrl}/api/lattice/p2p/status`, target.tls, fp => { servedCertificate = fp }).then(parseP2PStatus),
          this.getJson(`${target.baseUrl}/api/lattice/state`, target.tls).then(parseStateBody)
        ])
        result = { up: true, status, state, ...(servedCertificate !== undefined ? { servedCertificate } : {}), at: this.now() }
        this.failures.delete(target.key)
      } catch (err) {
        result = { up: false, error: err instanceof Error ? err.message : String(err), at: this.now() }
        const failures = (this.failures.get(target.key) ?? 0) + 1
        this.failures.set(target.key, failures)
        const previous = this.results.get(target.key)
        if (previous?.up === true && failures < this.failureThreshold) return previous
      }
      this.results.set(target.key, result)
      return result
    })
  }

  async probeAll (targets: readonly ProbeTarget[]): Promise<ProbeResult[]> {
    return await Promise.all(targets.map(async t => await this.probe(t)))
  }

  last (key: string): ProbeResult | undefined { return this.results.get(key) }
  retain (keys: ReadonlySet<string>): void {
    for (const map of [this.results, this.failures]) {
      for (const key of map.keys()) if (!keys.has(key)) map.delete(key)
    }
  }
}

export function createNodeProber (init: NodeProberInit = {}, components: NodeProberComponents = {}): NodeProber {
  return new HttpNodeProber(init, components)
}
