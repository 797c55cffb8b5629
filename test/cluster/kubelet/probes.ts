import { execFile } from 'node:child_process'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { V1Container, V1Probe } from '@kubernetes/client-node'

export interface ProbeContext {
  podIP: string
  container: V1Container
  env: Record<string, string>
  cwd: string
  /** Rewrites paths in an exec probe's command (mount rule). */
  mapArg: (arg: string) => string
}

export interface ProbeResult {
  ok: boolean
  message: string
}

/** A named or numeric port of the container. */
export function resolvePort (container: V1Container, port: number | string | undefined): number {
  if (typeof port === 'number') return port
  if (port == null) return 0
  if (/^\d+$/.test(port)) return Number(port)
  const named = container.ports?.find(p => p.name === port)
  return named?.containerPort ?? 0
}

async function httpProbe (probe: NonNullable<V1Probe['httpGet']>, ctx: ProbeContext, timeoutMs: number): Promise<ProbeResult> {
  const port = resolvePort(ctx.container, probe.port as number | string)
  const host = probe.host ?? ctx.podIP
  const scheme = (probe.scheme ?? 'HTTP').toUpperCase()
  const lib = scheme === 'HTTPS' ? https : http
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/lattice-local' }
  for (const h of probe.httpHeaders ?? []) headers[h.name] = h.value
  return await new Promise(resolve => {
    const req = lib.request({ host, port, path: probe.path ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false }, res => {
      res.resume()
      const code = res.statusCode ?? 0
      // Kubernetes: 200 <= code < 400 is success.
      resolve({ ok: code >= 200 && code < 400, message: `HTTP ${code}` })
    })
    req.on('timeout', () => { req.destroy(new Error('timeout')) })
    req.on('error', err => { resolve({ ok: false, message: err.message }) })
    req.end()
  })
}

async function tcpProbe (probe: NonNullable<V1Probe['tcpSocket']>, ctx: ProbeContext, timeoutMs: number): Promise<ProbeResult> {
  const port = resolvePort(ctx.container, probe.port as number | string)
  return await new Promise(resolve => {
    const sock = net.connect({ host: probe.host ?? ctx.podIP, port })
    const done = (ok: boolean, message: string): void => { sock.destroy(); resolve({ ok, message }) }
    sock.setTimeout(timeoutMs, () => { done(false, 'timeout') })
    sock.once('connect', () => { done(true, 'connected') })
    sock.once('error', err => { done(false, err.message) })
  })
}

async function execProbe (probe: NonNullable<V1Probe['exec']>, ctx: ProbeContext, timeoutMs: number): Promise<ProbeResult> {
  const cmd = (probe.command ?? []).map(ctx.mapArg)
  if (cmd.length === 0) return { ok: false, message: 'empty exec probe' }
  return await new Promise(resolve => {
    execFile(cmd[0], cmd.slice(1), { env: ctx.env, cwd: ctx.cwd, timeout: timeoutMs }, (err, _stdout, stderr) => {
      resolve({ ok: err == null, message: err == null ? 'exit 0' : `${err.message} ${String(stderr)}`.trim() })
    })
  })
}

/** Runs one probe attempt against the process (host = pod IP unless the probe names one). */
export async function runProbe (probe: V1Probe, ctx: ProbeContext): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000
  if (probe.httpGet != null) return await httpProbe(probe.httpGet, ctx, timeoutMs)
  if (probe.tcpSocket != null) return await tcpProbe(probe.tcpSocket, ctx, timeoutMs)
  if (probe.exec != null) return await execProbe(probe.exec, ctx, timeoutMs)
  return { ok: false, message: 'unsupported probe handler' }
}

/**
 * Success/failure counting of a probe as the kubelet does it (successThreshold, failureThreshold).
 * Pure: feed it results, read `state`.
 */
export class ProbeTracker {
  private successes = 0
  private failures = 0
  state: 'unknown' | 'success' | 'failure' = 'unknown'
  readonly successThreshold: number
  readonly failureThreshold: number

  constructor (probe: V1Probe) {
    this.successThreshold = probe.successThreshold ?? 1
    this.failureThreshold = probe.failureThreshold ?? 3
  }

  /** Records a result; returns true when the state changed. */
  record (ok: boolean): boolean {
    const before = this.state
    if (ok) {
      this.failures = 0
      this.successes++
      if (this.successes >= this.successThreshold) this.state = 'success'
    } else {
      this.successes = 0
      this.failures++
      if (this.failures >= this.failureThreshold) this.state = 'failure'
    }
    return before !== this.state
  }
}
