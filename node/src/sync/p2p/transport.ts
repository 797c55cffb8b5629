/**
 * The P2P transport: owns the libp2p node (start, stop, restart on the same port), the gossip topic,
 * the catch-up protocol `/aethel/lattice/sync/1.0.0` (both ends) and the bootstrap reconnect loop.
 * It knows nothing of modes or ledgers: the sync service decides what to publish and what to apply.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { CatchupError } from '../errors.js'
import { decodeBatch, decodeGossip, decodeRequest, encodeFrame, type GossipMessage, type SyncBatch, type SyncRequest } from '../codec.js'
import { afterFailure, afterSuccess, initialDialState, type DialState } from './backoff.js'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { createHost, type LatticeLibp2p } from './host.js'
import { gossipTopology, type GossipTopologyKind } from './topology.js'
import { pinnedListenAddrs } from './listen-ports.js'
import type { CatchupOutcome, P2PTransportHandlers, P2PTransportInit, PeerInfo } from './interface.js'
import { createLiveness, type Liveness } from './liveness.js'
import { createGossipBudget } from './rate-limit.js'
import { throttleWarnings, type ThrottledWarnings } from '../../util/log-throttle.js'
import { peerIdOfMultiaddr } from '../../../../packages/contracts/src/peers-file.js'
import type { Logger } from '../../../../packages/log/src/index.js'

export const SYNC_PROTOCOL = '/aethel/lattice/sync/1.0.0'
/** Largest compressed frame accepted on the catch-up protocol. */
const MAX_FRAME = 16 * 1024 * 1024
/** Batches a server sends ahead of the client's acknowledgements. */
const WINDOW = 2
/** Read buffer of a catch-up stream: WINDOW worst-case (incompressible 1 MiB) batches fit with room. */
const READ_BUFFER = 8 * 1024 * 1024
/** Catch-up batches a client applies at the same time. */
const APPLY_CONCURRENCY = 2
/** The client's "applied, send more" frame. */
const ACK = new Uint8Array([0x61])

export type { CatchupOutcome, P2PTransportHandlers, P2PTransportInit, PeerInfo } from './interface.js'

export class P2PTransport {
  private readonly init: P2PTransportInit
  private readonly handlers: P2PTransportHandlers
  private readonly logger: Logger
  private node: LatticeLibp2p | undefined
  private listen: string[]
  /** The gossip topology libp2p was started with (topology.ts). */
  private topologyKind: GossipTopologyKind | undefined
  private reconnectTimer: NodeJS.Timeout | undefined
  private readonly dialState = new Map<string, DialState>()
  private readonly dialing = new Set<string>()
  private starting: Promise<void> | undefined
  private readonly inbound = new Set<Stream>()
  private liveness: Liveness | undefined
  private readonly budget = createGossipBudget()
  /** A requester can fail its catch-ups at will: one warning per peer every 10 s. */
  private readonly peerWarnings: ThrottledWarnings

  constructor (init: P2PTransportInit, handlers: P2PTransportHandlers, logger: Logger) {
    this.init = init
    this.handlers = handlers
    this.logger = logger
    this.peerWarnings = throttleWarnings(logger)
    this.listen = init.listen
  }

  get running (): boolean { return this.node !== undefined }

  async start (): Promise<void> {
    if (this.node !== undefined) return
    if (this.starting !== undefined) { await this.starting; return }
    this.starting = this.doStart().finally(() => { this.starting = undefined })
    await this.starting
  }

  private async doStart (): Promise<void> {
    const topology = gossipTopology(this.handlers.networkSize())
    this.topologyKind = topology.kind
    const node = await createHost({ privateKey: this.init.privateKey, listen: this.listen, psk: this.init.psk, topology })
    node.addEventListener('peer:connect', (evt) => {
      const id = evt.detail.toString()
      this.dialState.set(id, afterSuccess(Date.now()))
      this.liveness?.heard(id)
      this.handlers.onPeersChanged(connectedPeers(node).length)
      this.handlers.onPeerConnected(id)
    })
    node.addEventListener('peer:disconnect', (evt) => {
      const id = evt.detail.toString()
      const lastContact = this.liveness?.disconnected(id)
      this.budget.forget(id)
      const count = connectedPeers(node).length
      this.handlers.onPeersChanged(count, count === 0 ? lastContact : undefined)
    })
    const pubsub = node.services.pubsub
    // runs before a message is delivered or forwarded: an over-budget one costs no decoding and no work
    pubsub.topicValidators.set(this.init.topic, (peer, msg) => {
      const from = peer.toString()
      if (this.budget.take(from, msg.data.byteLength, Date.now())) return TopicValidatorResult.Accept
      this.handlers.onOverBudget(from, msg.data.byteLength)
      return TopicValidatorResult.Ignore
    })
    pubsub.addEventListener('gossipsub:message', (evt) => {
      const { msg, propagationSource } = evt.detail
      if (msg.topic !== this.init.topic) return
      const from = propagationSource.toString()
      this.liveness?.heard(from)
      let decoded: GossipMessage
      try {
        decoded = decodeGossip(msg.data)
      } catch (err) {
        this.handlers.onMalformed(from, err as Error)
        return
      }
      this.handlers.onGossip(decoded, from, msg.data.byteLength)
    })
    await node.handle(SYNC_PROTOCOL, async (stream: Stream, connection: Connection) => {
      await this.serveStream(stream, connection)
    }, { maxInboundStreams: 64 })
    await node.start()
    pubsub.subscribe(this.init.topic)
    this.node = node
    this.pinListenPorts(node)
    this.dialState.clear()
    this.reconnectTimer = setInterval(() => { this.reconnectTick() }, this.init.reconnectTickMs)
    this.reconnectTimer.unref()
    this.liveness = createLiveness({ intervalMs: this.init.livenessIntervalMs }, {
      peers: () => connectedPeers(node),
      ping: async (peer, signal) => await node.services.ping.ping(peer, { signal }),
      hangUp: async (peer) => { await node.hangUp(peer) },
      onSilent: this.handlers.onPeerSilent
    })
    this.liveness.start()
    this.reconnectTick()
    this.logger.info('libp2p started', { peer_id: node.peerId.toString(), listen: this.listenAddrs(), gossip_topology: topology.kind })
  }

  async stop (): Promise<void> {
    if (this.starting !== undefined) await this.starting.catch(() => {})
    const node = this.node
    if (node === undefined) return
    this.node = undefined
    if (this.reconnectTimer !== undefined) clearInterval(this.reconnectTimer)
    this.reconnectTimer = undefined
    this.liveness?.stop()
    this.liveness = undefined
    for (const s of this.inbound) s.abort(new Error('node stopping'))
    this.inbound.clear()
    await node.stop()
    this.handlers.onPeersChanged(0)
    this.logger.info('libp2p stopped')
  }

  peerId (): string { return this.init.privateKey.publicKey.toString() }

  listenAddrs (): string[] {
    return this.node?.getMultiaddrs().map(a => a.toString()) ?? []
  }

  peerCount (): number { return (this.node !== undefined ? connectedPeers(this.node).length : 0) }

  peers (): PeerInfo[] {
    const node = this.node
    if (node === undefined) return []
    const byPeer = new Map<string, PeerInfo>()
    for (const c of node.getConnections()) {
      const id = c.remotePeer.toString()
      const info = byPeer.get(id) ?? { peerId: id, addrs: [], rttMs: null }
      info.addrs.push(c.remoteAddr.toString())
      info.rttMs = this.liveness?.rtt(id) ?? null
      byPeer.set(id, info)
    }
    return [...byPeer.values()]
  }

  /** Publish on the topic; false when libp2p is stopped. Never throws for lack of peers. */
  async publish (data: Uint8Array): Promise<boolean> {
    const node = this.node
    if (node === undefined) return false
    await node.services.pubsub.publish(this.init.topic, data)
    return true
  }

  /**
   * Ask `peerId` for what a node with `request.version_vector` lacks; `onBatch` applies each batch
   * before the next is read. Flow control: the server keeps at most WINDOW batches unacknowledged, so
   * a slow ingest never overflows the stream's read buffer, while the next batch is already on the
   * way when one is applied. Every read and write has its own deadline: a long catch-up is fine, a
   * stalled one is not.
   */
  async catchup (peerId: string, request: SyncRequest, onBatch: (batch: SyncBatch, bytes: number) => Promise<void>): Promise<CatchupOutcome> {
    const node = this.node
    if (node === undefined) throw new CatchupError(peerId, 'libp2p is stopped')
    const deadline = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(this.init.timeoutMs) })
    let stream: Stream
    try {
      stream = await node.dialProtocol(peerIdFromString(peerId), SYNC_PROTOCOL, deadline())
    } catch (err) {
      throw new CatchupError(peerId, `dial: ${(err as Error).message}`, { cause: err })
    }
    const outcome: CatchupOutcome = { batches: 0, bytes: 0, decodeMs: 0 }
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_FRAME, maxBufferSize: READ_BUFFER })
      await lp.write(await encodeFrame(request), deadline())
      // two batches apply at once: the ledger verifies signatures on the thread pool, so batch N+1's
      // verification overlaps batch N's commit (a batch that overtakes its predecessor waits in the
      // ledger's out-of-order buffer, bounded by two batches here)
      const applying: Array<Promise<void>> = []
      try {
        for (;;) {
          const frame = await lp.read(deadline())
          outcome.bytes += frame.byteLength
          outcome.batches++
          const decoding = performance.now()
          const batch = await decodeBatch(frame.subarray())
          outcome.decodeMs += performance.now() - decoding
          const p = onBatch(batch, frame.byteLength)
          p.catch(() => {}) // awaited below; this only keeps an early failure from being unhandled
          applying.push(p)
          if (!batch.more) break
          if (applying.length >= APPLY_CONCURRENCY) await applying.shift()
          await lp.write(ACK, deadline())
        }
      } finally {
        await Promise.allSettled(applying)
      }
      await Promise.all(applying)
      await stream.close(deadline())
      return outcome
    } catch (err) {
      stream.abort(err as Error)
      if (err instanceof CatchupError) throw err
      throw new CatchupError(peerId, (err as Error).message, { cause: err })
    }
  }

  private async serveStream (stream: Stream, connection: Connection): Promise<void> {
    this.inbound.add(stream)
    const deadline = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(this.init.timeoutMs) })
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_FRAME, maxBufferSize: READ_BUFFER })
      const request = await decodeRequest((await lp.read(deadline())).subarray())
      let sent = 0
      let unacked = 0
      for (const batch of this.handlers.serve(request, connection.remotePeer.toString())) {
        if (unacked >= WINDOW) {
          await lp.read(deadline())
          unacked--
        }
        await lp.write(await encodeFrame({ records: batch.records, more: batch.more, ...(batch.version_vector !== undefined ? { version_vector: batch.version_vector } : {}) }), deadline())
        sent++
        unacked++
      }
      if (sent === 0) await lp.write(await encodeFrame({ records: [], more: false }), deadline())
      await stream.close(deadline())
    } catch (err) {
      const peer = connection.remotePeer.toString()
      this.peerWarnings.warn(peer, 'catch-up request failed', { peer, err: (err as Error).message })
      stream.abort(err as Error)
    } finally {
      this.inbound.delete(stream)
    }
  }

  /** Dial one multiaddr now (operational checks and tests; the redial loop does this by itself). */
  async dial (addr: string): Promise<void> {
    const node = this.node
    if (node === undefined) throw new Error('libp2p is stopped')
    await node.dial(multiaddr(addr), { signal: AbortSignal.timeout(this.init.timeoutMs) })
  }

  /**
   * The peers file changed: dial new peers now, and restart libp2p when the network's size now calls
   * for the other gossip topology (topology.ts). Gossipsub takes its mesh settings at start, and a node
   * left flooding without a mesh among bounded neighbour sets would forward others' records by lazy
   * gossip only (a gossipsub heartbeat later); the restart costs a second of being peerless.
   */
  async peersChanged (): Promise<void> {
    if (this.node === undefined || this.starting !== undefined) return
    const members = this.handlers.networkSize()
    const wanted = gossipTopology(members).kind
    if (wanted === this.topologyKind) { this.reconnectTick(); return }
    this.logger.info('restarting libp2p: the network size calls for another gossip topology', { from: this.topologyKind, to: wanted, members })
    await this.stop()
    await this.start()
  }

  /** Keep every bootstrap peer connected: dial the missing ones, backing off per peer. */
  private reconnectTick (): void {
    const node = this.node
    if (node === undefined) return
    const now = Date.now()
    const self = this.peerId()
    const connected = new Set(connectedPeers(node).map(p => p.toString()))
    for (const addr of this.handlers.bootstrap()) {
      const id = peerIdOfMultiaddr(addr)
      if (id === undefined || id === self || connected.has(id) || this.dialing.has(id)) continue
      const state = this.dialState.get(id) ?? initialDialState(now)
      if (now < state.nextAt) continue
      this.dialing.add(id)
      node.dial(multiaddr(addr), { signal: AbortSignal.timeout(this.init.timeoutMs) })
        .then(() => { this.dialState.set(id, afterSuccess(Date.now())) })
        .catch((err: Error) => {
          const next = afterFailure(state, Date.now(), this.init.backoff)
          this.dialState.set(id, next)
          this.logger.debug('bootstrap dial failed', { peer: id, addr, failures: next.failures, err: err.message })
        })
        .finally(() => { this.dialing.delete(id) })
    }
  }

  /** After a start on port 0, restart on the port the OS gave: peers have that address now. */
  private pinListenPorts (node: LatticeLibp2p): void {
    this.listen = pinnedListenAddrs(this.listen, node.getMultiaddrs().map(a => a.toString()))
  }
}

/**
 * The peers with an open connection, once each. libp2p's getPeers() does the same through a PeerSet,
 * which parses every peer ID again from its string (base58, key decoding) on each call: the reconnect
 * loop's every tick, each liveness round and the status cost that with every connected peer.
 */
function connectedPeers (node: LatticeLibp2p): PeerId[] {
  const peers = new Map<string, PeerId>()
  for (const conn of node.getConnections()) peers.set(conn.remotePeer.toString(), conn.remotePeer)
  return [...peers.values()]
}
