import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { Registry } from 'prom-client'
import { collectProcessMetrics } from '../../packages/contracts/src/process-metrics.js'
import { createApiApp } from './api/app.js'
import { storageIntact } from './api/health.js'
import { startApiServer, type ApiServer } from './api/server.js'
import type { NodeConfig } from './config/interface.js'
import { createDashboard, type Dashboard } from './dashboard/index.js'
import { loadOrCreateIdentity, loadOrCreateToken, type ApiToken } from './identity/index.js'
import { createLedger } from './ledger/index.js'
import type { Ledger } from './ledger/interface.js'
import { createPeerDirectory } from './peers/index.js'
import type { PeerDirectory } from './peers/interface.js'
import { createSyncService } from './sync/index.js'
import type { SyncService } from './sync/interface.js'
import { createTlsFiles } from './tls/index.js'
import type { Logger } from '../../packages/log/src/index.js'

export interface Daemon {
  readonly peerId: string
  /** The REST API's base URL as bound. */
  readonly url: string
  readonly apiToken: ApiToken
  readonly ledger: Ledger
  readonly sync: SyncService
  /** Graceful stop: refuse new requests, answer in-flight ones (their writes commit), stop sync, close storage. */
  stop(): Promise<void>
}

export interface DaemonComponents {
  logger: Logger
}

/** Puts the node together in dependency order and starts it; stops what started if a later part fails. */
export async function startDaemon (config: NodeConfig, components: DaemonComponents): Promise<Daemon> {
  const { logger } = components
  const cleanups: Array<() => Promise<void> | void> = []
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) {
      try { await step() } catch (err) { logger.warn('shutdown step failed', { error: (err as Error).message }) }
    }
  }
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
    const identity = await loadOrCreateIdentity(config.identityFile)
    const apiToken = await loadOrCreateToken(config.apiTokenFile, config.dataDir)
    const registry = new Registry()
    collectProcessMetrics(registry)

    // Certificate, key and CA bundle: read now (a bad file stops the start), re-read when they change.
    const tls = createTlsFiles({ ...config.http.tls, caFile: config.http.caFile }, { logger, registry })
    await tls.start()
    cleanups.push(async () => tls.stop())

    const peers: PeerDirectory = await createPeerDirectory({
      selfPeerId: identity.peerId,
      bootstrap: config.p2p.bootstrap,
      latticeNodes: config.latticeNodes,
      members: config.members,
      peersFile: config.peersFile
    }, { logger })
    await peers.start()
    cleanups.push(async () => peers.stop())

    const ledger = await createLedger(
      { dbPath: path.join(config.dataDir, 'ledger.db'), integrityCheckOnOpen: false },
      { privateKey: identity.privateKey, isMember: origin => peers.isMember(origin), logger, registry }
    )
    cleanups.push(async () => ledger.close())

    const sync = await createSyncService({
      p2pEnabled: config.p2p.enabled,
      listen: config.p2p.listen,
      topic: config.p2p.topic,
      pskFile: config.p2p.pskFile,
      mode: config.sync.mode,
      heartbeatIntervalMs: config.sync.heartbeatIntervalMs,
      peerlessTimeoutMs: config.sync.peerlessTimeoutMs,
      httpPollIntervalMs: config.sync.httpPollIntervalMs,
      ownHeadTimeoutMs: config.sync.ownHeadTimeoutMs,
      ownHeadMarkerFile: path.join(config.dataDir, 'own-head.json'),
      caFile: config.http.caFile
    }, { ledger, privateKey: identity.privateKey, peers, apiToken: apiToken.token, logger, registry, trust: () => tls.trust() })

    const dashboard: Dashboard = createDashboard({ peerlessTimeoutMs: config.sync.peerlessTimeoutMs }, { status: () => sync.status(), transitions: sync, logger })
    let started = false
    const app = createApiApp({ token: apiToken.token }, { ledger, sync, registry, logger, dashboard, isStarted: () => started })
    const server: ApiServer = await startApiServer({ host: config.http.host, port: config.http.port, ...(config.http.tls !== undefined ? { tls } : {}) }, app)
    cleanups.push(async () => server.close())

    await sync.start()
    cleanups.push(async () => sync.stop())
    dashboard.start()
    cleanups.push(() => dashboard.stop())
    started = true
    logger.info('lattice-node started', { peer_id: identity.peerId, url: server.url, records: ledger.recordCount(), p2p: config.p2p.enabled, sync_mode: config.sync.mode })

    // Verifying stored signatures takes a while on a large ledger: run it after the node is serving,
    // and only over what was written since the last healthy check (rows before it are verified as they
    // are read; POST /api/lattice/integrity/check runs the full check). A failure turns /readyz and the
    // data endpoints to 503.
    void ledger.integrityCheck({ incremental: true }).then(report => {
      if (report.status === 'healthy') logger.info('integrity check passed', { records: report.record_count, mode: report.mode, verified: report.verified_records, duration_ms: report.duration_ms })
      else if (storageIntact(report)) logger.warn('integrity check found equivocating origins; the stored data is intact', { errors: report.errors })
      else logger.error('integrity check failed: the node will not serve its data', { errors: report.errors })
    }, (err: Error) => { logger.error('integrity check could not run', { error: err.message }) })

    // Stop in reverse order of start: the server drains first, so every in-flight write is answered
    // after its commit, then sync stops, then storage closes.
    let stopping: Promise<void> | undefined
    return {
      peerId: identity.peerId,
      url: server.url,
      apiToken,
      ledger,
      sync,
      async stop () {
        started = false
        stopping ??= cleanup()
        await stopping
      }
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}
