import { X509Certificate } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { readFile, stat } from 'node:fs/promises'
import { createSecureContext } from 'node:tls'
import { TlsFileError } from './errors.js'
import { createTlsMetrics, type TlsMetrics } from './metrics.js'
import type { ServingMaterial, TlsFiles, TlsFilesComponents, TlsFilesEvents, TlsFilesInit } from './interface.js'

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** The PEM blocks of a bundle, one certificate each. */
export function pemBlocks (pem: Buffer | string): string[] {
  return (typeof pem === 'string' ? pem : pem.toString('utf8')).match(PEM_CERTIFICATE) ?? []
}

/** Every certificate of a PEM bundle, parsed; throws when there is none or one does not parse. */
export function parseBundle (pem: Buffer): X509Certificate[] {
  const blocks = pemBlocks(pem)
  if (blocks.length === 0) throw new Error('no PEM certificate in it')
  return blocks.map(b => new X509Certificate(b))
}

/** A serving pair that Node's TLS stack accepts (the key matches the first certificate). */
export function checkServing (m: ServingMaterial): X509Certificate {
  createSecureContext({ cert: m.cert, key: m.key })
  return parseBundle(m.cert)[0]
}

async function stamp (file: string): Promise<string> {
  const s = await stat(file)
  return `${s.ino}:${s.size}:${s.mtimeMs}`
}

class PolledTlsFiles implements TlsFiles {
  private readonly init: TlsFilesInit
  private readonly c: TlsFilesComponents
  private readonly metrics: TlsMetrics
  private readonly events = new EventEmitter()
  private servingMaterial: ServingMaterial | undefined
  private trustBundle: Buffer | undefined
  private servingStamp = ''
  private trustStamp = ''
  /** Stamps of files that failed: logged once, read again only when they change. */
  private failedStamps = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private reading: Promise<void> | undefined

  constructor (init: TlsFilesInit, components: TlsFilesComponents) {
    this.init = init
    this.c = components
    this.metrics = createTlsMetrics(components.registry)
  }

  async start (): Promise<void> {
    // First read: errors propagate, a node without its certificate must not start.
    await this.readServing(true)
    await this.readTrust(true)
    if (this.timer !== undefined || (this.init.certFile === undefined && this.init.caFile === undefined)) return
    this.timer = setInterval(() => { void this.reload() }, this.init.pollIntervalMs ?? 1000)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.reading
  }

  serving (): ServingMaterial | undefined { return this.servingMaterial }
  trust (): Buffer | undefined { return this.trustBundle }

  async reload (): Promise<void> {
    // one read at a time: a slow disk must not interleave two reads and apply an older one last
    this.reading ??= (async () => {
      await this.readServing(false)
      await this.readTrust(false)
    })().finally(() => { this.reading = undefined })
    await this.reading
  }

  on<E extends keyof TlsFilesEvents>(event: E, listener: TlsFilesEvents[E]): void { this.events.on(event, listener) }
  off<E extends keyof TlsFilesEvents>(event: E, listener: TlsFilesEvents[E]): void { this.events.off(event, listener) }

  private async readServing (first: boolean): Promise<void> {
    const { certFile, keyFile } = this.init
    if (certFile === undefined || keyFile === undefined) return
    let current = ''
    let material: ServingMaterial
    let cert: X509Certificate
    try {
      current = `${await stamp(certFile)}|${await stamp(keyFile)}`
      if (current === this.servingStamp || this.failedStamps.has(current)) return
      material = { cert: await readFile(certFile), key: await readFile(keyFile) }
      cert = checkServing(material)
    } catch (err) {
      const failure = new TlsFileError(`${certFile} + ${keyFile}`, (err as Error).message, { cause: err })
      if (first) throw failure
      if (current !== '') this.failedStamps.add(current)
      // Kubernetes swaps both files at once, a hand edit may not: keep serving the pair in force.
      this.metrics.reloads.inc({ files: 'serving', result: 'error' })
      this.c.logger.warn('TLS certificate reload failed; serving the previous certificate', { file: failure.file, err: failure.message })
      return
    }
    this.servingStamp = current
    this.servingMaterial = material
    this.metrics.certificateExpiry.set(Math.floor(Date.parse(cert.validTo) / 1000))
    if (first) return
    this.metrics.reloads.inc({ files: 'serving', result: 'ok' })
    this.c.logger.info('TLS certificate reloaded', { file: certFile, subject_alt_names: cert.subjectAltName, not_after: new Date(cert.validTo).toISOString(), fingerprint: cert.fingerprint256 })
    this.events.emit('serving', material)
  }

  private async readTrust (first: boolean): Promise<void> {
    const file = this.init.caFile
    if (file === undefined) return
    let current = ''
    let bundle: Buffer
    let count: number
    try {
      current = await stamp(file)
      if (current === this.trustStamp || this.failedStamps.has(current)) return
      bundle = await readFile(file)
      count = parseBundle(bundle).length
    } catch (err) {
      const failure = new TlsFileError(file, (err as Error).message, { cause: err })
      if (first) throw failure
      if (current !== '') this.failedStamps.add(current)
      this.metrics.reloads.inc({ files: 'trust', result: 'error' })
      this.c.logger.warn('TLS CA bundle reload failed; trusting the previous bundle', { file, err: failure.message })
      return
    }
    this.trustStamp = current
    this.trustBundle = bundle
    if (first) return
    this.metrics.reloads.inc({ files: 'trust', result: 'ok' })
    this.c.logger.info('TLS CA bundle reloaded', { file, certificates: count })
    this.events.emit('trust', bundle)
  }
}

export function createTlsFiles (init: TlsFilesInit, components: TlsFilesComponents): TlsFiles {
  return new PolledTlsFiles(init, components)
}
