/**
 * Own-head gate: a node must not write under its identity before it knows the highest seq of its own
 * origin that the network holds. Otherwise a node whose ledger was lost (a deleted or truncated file,
 * a damaged WAL, a lost volume with the identity kept) would sign seqs 1, 2, … again: equivocation,
 * and its later records would wait forever on peers for the seqs they already hold.
 *
 * Pure state machine (no I/O, injected times): the sync service feeds it what peers say and what the
 * ledger holds, and asks it whether writes may proceed. Peers can only hold records of this origin that
 * this node once acknowledged, so a peer that holds more of them than the ledger does is proof of a
 * local loss: the gate closes (at start, and whenever that is learned later) until catch-up has
 * brought the ledger up to the highest head any peer reported.
 *
 * When it opens:
 * - no peer is configured at all: at once (there is nobody to ask; a one-node network);
 * - every configured P2P peer, or every configured HTTP node, has completed a sync exchange with this
 *   node, and the ledger holds at least what each of them reported;
 * - the timeout passed and at least one peer completed an exchange (the others are unreachable);
 * - the timeout passed with no peer reachable and nothing says this data directory ever held more of
 *   its own records than the ledger does now (a brand-new node, or the first node of a new network).
 *   When the marker (the highest own seq this data directory acknowledged, kept outside the ledger
 *   file) is ahead of the ledger, the ledger was emptied or lost its tail: a lone node then keeps
 *   refusing writes until a peer answers, because writing would reuse seqs.
 */

export type OwnHeadSource = { transport: 'p2p', peerId: string } | { transport: 'http', url: string }

/** The peers this node is configured to sync with (P2P bootstrap peer IDs, HTTP node URLs). */
export interface ExpectedPeers {
  p2p: readonly string[]
  http: readonly string[]
}

export interface OwnHeadGateInit {
  /** How long to wait for peers before a lone node writes (AETHEL_OWN_HEAD_TIMEOUT). */
  timeoutMs: number
  /** The ledger's head of this origin when the node starts. */
  localHead: number
  /** The highest own seq this data directory acknowledged before (the marker file), if known. */
  markerSeq?: number
  /** When the gate starts asking (ms). */
  now: number
}

export type OwnHeadTransition = 'opened' | 'closed' | undefined

/** What the gate says now (the status body's `recovery` is made from this). */
export interface OwnHeadView {
  /** Writes are refused. */
  recovering: boolean
  /** Why writes are refused (null when they are not), or why they were allowed. */
  reason: string
  /** This origin's head in the local ledger. */
  ownHead: number
  /** The highest head of this origin any peer reported (null before the first report). */
  peerHead: number | null
  /** Records of this origin that peers (or the marker) show and the ledger lacks. */
  missing: number
  /** Peers that completed a sync exchange since the gate started asking. */
  syncedPeers: number
  /** Since when writes are refused (ms), null while they are allowed. */
  since: number | null
}

const key = (s: OwnHeadSource): string => s.transport === 'p2p' ? `p2p:${s.peerId}` : `http:${s.url}`

export class OwnHeadGate {
  private readonly timeoutMs: number
  private readonly markerSeq: number
  private readonly startedAt: number
  private localHead: number
  private readonly reported = new Map<string, number>()
  private readonly synced = new Set<string>()
  private readonly ignored = new Set<string>()
  private recovering = true
  private openedBefore = false
  private since: number | null
  private reason = 'asking peers for the highest seq they hold of this node\'s own records'

  constructor (init: OwnHeadGateInit) {
    this.timeoutMs = init.timeoutMs
    this.markerSeq = init.markerSeq ?? 0
    this.startedAt = init.now
    this.since = init.now
    this.localHead = init.localHead
  }

  /** The ledger's head of this origin changed (an append, or own records recovered from a peer). */
  observeLocalHead (head: number): void {
    this.localHead = Math.max(this.localHead, head)
  }

  /** A peer holds `head` records of this origin (its version vector said so). */
  peerReported (source: OwnHeadSource, head: number): void {
    if (!Number.isSafeInteger(head) || head < 0) return
    const k = key(source)
    this.reported.set(k, Math.max(this.reported.get(k) ?? 0, head))
  }

  /** A full sync exchange with this peer completed: the ledger now has what the peer had of this origin. */
  peerSynced (source: OwnHeadSource): void {
    this.synced.add(key(source))
  }

  /** A configured HTTP node turned out to be this node itself: nothing to wait for there. */
  ignore (source: OwnHeadSource): void {
    this.ignored.add(key(source))
  }

  /** Highest head of this origin any peer reported. */
  private peerHead (): number | null {
    return this.reported.size === 0 ? null : Math.max(...this.reported.values())
  }

  /** Re-evaluate at `now` against the configured peers; says whether writes just opened or closed. */
  evaluate (now: number, expected: ExpectedPeers): OwnHeadTransition {
    const peerHead = this.peerHead() ?? 0
    const behind = this.localHead < peerHead
    if (!this.recovering) {
      if (!behind) return undefined
      this.close(now, `peers hold seq ${peerHead} of this node's records, its ledger only ${this.localHead}: recovering them before writing`)
      return 'closed'
    }
    if (behind) {
      this.reason = `peers hold seq ${peerHead} of this node's records, its ledger only ${this.localHead}: recovering them before writing`
      return undefined
    }
    // closed later because a peer showed more: holding what it showed is all that was missing
    if (this.openedBefore) return this.open(`recovered the records peers held of this node: its head is seq ${this.localHead}`)
    const p2p = expected.p2p.map(peerId => key({ transport: 'p2p', peerId })).filter(k => !this.ignored.has(k))
    const http = expected.http.map(url => key({ transport: 'http', url })).filter(k => !this.ignored.has(k))
    const allOf = (keys: string[]): boolean => keys.length > 0 && keys.every(k => this.synced.has(k))
    if (p2p.length === 0 && http.length === 0) return this.open('no peers are configured: nobody holds records of this node')
    if (allOf(p2p) || allOf(http)) return this.open(`every configured peer answered: this node's head is seq ${this.localHead}`)
    if (now - this.startedAt < this.timeoutMs) {
      this.reason = `asking peers for the highest seq they hold of this node's records (${this.synced.size} answered so far)`
      return undefined
    }
    if (this.synced.size > 0) return this.open(`${this.synced.size} peer(s) answered within the timeout, the others are unreachable: this node's head is seq ${this.localHead}`)
    if (this.markerSeq > this.localHead) {
      this.reason = `this data directory acknowledged seq ${this.markerSeq} of its own records but the ledger holds ${this.localHead}: waiting for a peer to recover them (writing now would reuse seqs)`
      return undefined
    }
    return this.open(`no peer answered within ${Math.round(this.timeoutMs / 1000)} s: writing as a lone node from seq ${this.localHead + 1}`)
  }

  private open (reason: string): OwnHeadTransition {
    this.recovering = false
    this.openedBefore = true
    this.since = null
    this.reason = reason
    return 'opened'
  }

  private close (now: number, reason: string): void {
    this.recovering = true
    this.since = now
    this.reason = reason
  }

  view (): OwnHeadView {
    const peerHead = this.peerHead()
    return {
      recovering: this.recovering,
      reason: this.reason,
      ownHead: this.localHead,
      peerHead,
      missing: Math.max(0, Math.max(peerHead ?? 0, this.recovering ? this.markerSeq : 0) - this.localHead),
      syncedPeers: this.synced.size,
      since: this.since
    }
  }
}
