/**
 * The node's TLS files (AETHEL_TLS_CERT_FILE, AETHEL_TLS_KEY_FILE, AETHEL_TLS_CA_FILE), re-read when
 * they change so that a rotated certificate or CA bundle takes effect without a restart: the HTTPS
 * server swaps its secure context, the sync client its trust store.
 */
import type { Registry } from 'prom-client'
import type { Logger } from '../../../packages/log/src/index.js'

/** What the HTTPS server serves: a certificate chain and its key (PEM). */
export interface ServingMaterial {
  cert: Buffer
  key: Buffer
}

export interface TlsFilesInit {
  /** Serve HTTPS with this certificate; with keyFile. */
  certFile?: string
  keyFile?: string
  /** CA bundle (PEM, one or more certificates) trusted for https:// lattice nodes. */
  caFile?: string
  /**
   * How often the files' stats are polled, ms (default 1000). Polling, not inotify: Kubernetes updates
   * a mounted Secret by swapping a symlink, which fs.watch on the file misses.
   */
  pollIntervalMs?: number
}

export interface TlsFilesComponents {
  logger: Logger
  registry: Registry
}

export interface TlsFilesEvents {
  /** The certificate or key changed and the new pair is valid. */
  serving: (material: ServingMaterial) => void
  /** The CA bundle changed and parses. */
  trust: (ca: Buffer) => void
}

export interface TlsFiles {
  /** Read every file once (a missing or invalid file fails here: the node does not start), then poll. */
  start(): Promise<void>
  stop(): Promise<void>
  /** The serving pair in force, when the node serves HTTPS. */
  serving(): ServingMaterial | undefined
  /** The CA bundle in force, when one is configured. */
  trust(): Buffer | undefined
  /** Check the files now (tests; the poll does the same). */
  reload(): Promise<void>
  on<E extends keyof TlsFilesEvents>(event: E, listener: TlsFilesEvents[E]): void
  off<E extends keyof TlsFilesEvents>(event: E, listener: TlsFilesEvents[E]): void
}
