/**
 * Peer liveness for the P2P transport. TCP notices a silent partition (packets dropped, not refused)
 * only after minutes, libp2p's own connection monitor (disabled in host.ts) after its 10 s interval
 * plus an adaptive timeout. Here every connected peer is pinged each interval; a peer not heard from
 * (ping answer, gossip, connection) for three intervals, and at least MIN_SILENCE_MS, is hung up, and
 * its last contact is kept until its disconnect is seen, so the node knows since when it is peerless.
 * A peer whose gossip arrived within the last interval is alive already: its ping waits, up to
 * RTT_REFRESH_INTERVALS intervals (for the round-trip time the status shows). In a mesh most idle traffic
 * is heartbeats relayed by the mesh peers, and each ping opens a stream (negotiation, frames both ways).
 */
import type { PeerId } from '@libp2p/interface'

/**
 * A peer silent for less than this is never hung up, whatever the interval: a loaded machine can stall
 * a process for seconds, and a dropped connection costs a reconnect and a catch-up.
 */
export const MIN_SILENCE_MS = 5000

/** A peer that sends gossip is still pinged this many intervals apart, for its round-trip time. */
export const RTT_REFRESH_INTERVALS = 6

export interface LivenessInit {
  /** Ping period, ms. */
  intervalMs: number
}

export interface LivenessComponents {
  peers: () => PeerId[]
  ping: (peer: PeerId, signal: AbortSignal) => Promise<number>
  hangUp: (peer: PeerId) => Promise<void>
  /** A peer stopped answering and is being hung up. */
  onSilent: (peerId: string, silentMs: number) => void
}

export interface Liveness {
  start(): void
  stop(): void
  /** Something arrived from the peer (a connection, a message). */
  heard(peerId: string): void
  /** Round-trip time of the last answered ping, ms. */
  rtt(peerId: string): number | undefined
  /** The peer disconnected: forget it; returns its last contact when it was hung up for silence. */
  disconnected(peerId: string): number | undefined
}

export function createLiveness (init: LivenessInit, components: LivenessComponents): Liveness {
  const silenceMs = Math.max(3 * init.intervalMs, MIN_SILENCE_MS)
  const lastSeen = new Map<string, number>()
  const silentDrops = new Map<string, number>()
  const rtts = new Map<string, number>()
  /** When gossip (or the connection) last came from each peer, and when it was last pinged. */
  const trafficAt = new Map<string, number>()
  const pingedAt = new Map<string, number>()
  let timer: NodeJS.Timeout | undefined

  const check = (): void => {
    const now = Date.now()
    for (const peer of components.peers()) {
      const id = peer.toString()
      // a peer first seen by this check (connected before liveness started) counts from now
      const seen = lastSeen.get(id) ?? now
      if (!lastSeen.has(id)) lastSeen.set(id, now)
      if (now - seen > silenceMs) {
        if (silentDrops.has(id)) continue
        silentDrops.set(id, seen)
        components.onSilent(id, now - seen)
        components.hangUp(peer).catch(() => {})
        continue
      }
      const traffic = trafficAt.get(id)
      const pinged = pingedAt.get(id)
      if (traffic !== undefined && now - traffic < init.intervalMs && pinged !== undefined && now - pinged < RTT_REFRESH_INTERVALS * init.intervalMs) continue
      pingedAt.set(id, now)
      // an answer that comes late but within the silence window still counts: a busy peer is alive
      components.ping(peer, AbortSignal.timeout(silenceMs))
        .then((ms) => {
          lastSeen.set(id, Date.now())
          rtts.set(id, ms)
        })
        .catch(() => {}) // a missed answer shows as silence
    }
  }

  return {
    start () {
      timer ??= setInterval(check, init.intervalMs)
      timer.unref()
      // one round at once, so status shows latencies without waiting an interval
      check()
    },
    stop () {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
    },
    heard (peerId) {
      const now = Date.now()
      lastSeen.set(peerId, now)
      trafficAt.set(peerId, now)
    },
    rtt (peerId) { return rtts.get(peerId) },
    disconnected (peerId) {
      const lastContact = silentDrops.get(peerId)
      silentDrops.delete(peerId)
      lastSeen.delete(peerId)
      rtts.delete(peerId)
      trafficAt.delete(peerId)
      pingedAt.delete(peerId)
      return lastContact
    }
  }
}
