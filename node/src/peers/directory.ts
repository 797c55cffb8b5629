import { EventEmitter } from 'node:events'
import { readFile, stat } from 'node:fs/promises'
import { InvalidPeersFileError } from './errors.js'
import { parsePeersFile, type PeersFile } from '../../../packages/contracts/src/peers-file.js'
import { mergePeers, sameSnapshot } from './parse.js'
import type { PeerDirectory, PeerDirectoryComponents, PeerDirectoryEvents, PeerDirectoryInit, PeerSnapshot } from './interface.js'

class DefaultPeerDirectory implements PeerDirectory {
  private readonly init: PeerDirectoryInit
  private readonly components: PeerDirectoryComponents
  private readonly events = new EventEmitter()
  private file: PeersFile | undefined
  private current: PeerSnapshot
  private memberSet: Set<string>
  private timer: NodeJS.Timeout | undefined
  /** mtime+size+ino of the last read: a cheap change check before reading the file. */
  private lastStamp = ''
  private reading: Promise<PeerSnapshot> | undefined

  constructor (init: PeerDirectoryInit, components: PeerDirectoryComponents) {
    this.init = init
    this.components = components
    this.current = this.merge()
    this.memberSet = new Set(this.current.members)
  }

  async start (): Promise<void> {
    if (this.init.peersFile === undefined || this.timer !== undefined) return
    await this.poll()
    const interval = this.init.pollIntervalMs ?? 1000
    this.timer = setInterval(() => { void this.poll() }, interval)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.reading
  }

  snapshot (): PeerSnapshot {
    return { bootstrap: [...this.current.bootstrap], latticeNodes: [...this.current.latticeNodes], members: [...this.current.members] }
  }

  bootstrap (): string[] { return [...this.current.bootstrap] }
  latticeNodes (): string[] { return [...this.current.latticeNodes] }
  isMember (origin: string): boolean { return this.memberSet.has(origin) }

  async reload (): Promise<PeerSnapshot> {
    this.lastStamp = ''
    return await this.poll()
  }

  on<E extends keyof PeerDirectoryEvents>(event: E, listener: PeerDirectoryEvents[E]): void { this.events.on(event, listener) }
  off<E extends keyof PeerDirectoryEvents>(event: E, listener: PeerDirectoryEvents[E]): void { this.events.off(event, listener) }

  private async poll (): Promise<PeerSnapshot> {
    // one read at a time: a slow disk must not interleave two reads and apply an older one last
    if (this.reading !== undefined) return await this.reading
    this.reading = this.readOnce().finally(() => { this.reading = undefined })
    return await this.reading
  }

  private async readOnce (): Promise<PeerSnapshot> {
    const path = this.init.peersFile
    if (path === undefined) return this.snapshot()
    let stamp: string
    try {
      const s = await stat(path)
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`
    } catch (err) {
      // a missing file is normal before the operator writes it: keep the static view
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.components.logger.warn('peers file stat failed', { path, err: String(err) })
      return this.snapshot()
    }
    if (stamp === this.lastStamp) return this.snapshot()
    try {
      const text = await readFile(path, 'utf8')
      this.file = parsePeersFile(text)
      this.lastStamp = stamp
    } catch (err) {
      const e = new InvalidPeersFileError(path, err instanceof Error ? err.message : String(err))
      this.components.logger.warn('peers file ignored', { path, reason: e.reason })
      // remember the stamp so a bad file is not re-parsed (and re-logged) every poll
      this.lastStamp = stamp
      return this.snapshot()
    }
    const next = this.merge()
    if (!sameSnapshot(next, this.current)) {
      this.current = next
      this.memberSet = new Set(next.members)
      this.components.logger.info('peers changed', { bootstrap: next.bootstrap.length, lattice_nodes: next.latticeNodes.length, members: next.members.length })
      this.events.emit('change', this.snapshot())
    }
    return this.snapshot()
  }

  private merge (): PeerSnapshot {
    return mergePeers({
      selfPeerId: this.init.selfPeerId,
      selfUrls: this.init.selfUrls ?? [],
      bootstrap: this.init.bootstrap,
      latticeNodes: this.init.latticeNodes,
      members: this.init.members,
      file: this.file
    })
  }
}

export async function createPeerDirectory (init: PeerDirectoryInit, components: PeerDirectoryComponents): Promise<PeerDirectory> {
  const dir = new DefaultPeerDirectory(init, components)
  await dir.start()
  return dir
}
