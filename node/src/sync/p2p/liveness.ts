/**
 * Peer liveness for the P2P transport. TCP notices a silent partition (packets dropped, not refused)
 * only after minutes, libp2p's own connection monitor (disabled in host.ts) after its 10 s interval
 * plus an adaptive timeout. Here every connected peer is pinged each interval; a peer not heard from
 * (ping answer, gossip, connection) for three intervals, and at least MIN_SILENCE_MS, is hung up, and
 * its last contact is kept until its disconnect is seen, so the node knows since when it is peerless.
 */
import type { PeerId } from '@libp2p/interface'

/**
 * A peer silent for less than this is never hung up, whatever the interval: a loaded machine can stall
 * a process for seconds, and a dropped connection costs a reconnect and a catch-up.
 */
export const MIN_SILENCE_MS = 5000

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
    heard (peerId) { lastSeen.set(peerId, Date.now()) },
    rtt (peerId) { return rtts.get(peerId) },
    disconnected (peerId) {
      const lastContact = silentDrops.get(peerId)
      silentDrops.delete(peerId)
      lastSeen.delete(peerId)
      rtts.delete(peerId)
      return lastContact
    }
  }
}
