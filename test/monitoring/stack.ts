/**
 * The monitoring stack of the paging tests: a real Prometheus scraping the local cluster through
 * kubernetes_sd_configs (the jobs of manifests/monitoring/prometheus-scrape.yaml, which select what the
 * chart's ServiceMonitor and PodMonitor select), evaluating the rules of the chart's PrometheusRule (as
 * prometheus-operator would write them into a rule file), and a real Alertmanager routing with the
 * example route of manifests/monitoring/alertmanager-route.yaml to a webhook receiver this module runs.
 * Everything listens on 127.0.0.1 only.
 *
 * prometheus-operator is not used: it renders Prometheus StatefulSets that only a kubelet running
 * container images can start, and the local kubelet runs processes (see the README's monitoring section).
 */
import { freePort, waitFor } from '../../packages/testkit/src/index.js'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import yaml from 'js-yaml'
import type { ProcessRegistry, ManagedProcess } from '../cluster/process.js'
import { repoRoot } from './repo-root.js'

const ROOT = repoRoot()
export const SCRAPE_FILE = join(ROOT, 'manifests/monitoring/prometheus-scrape.yaml')
export const ROUTE_FILE = join(ROOT, 'manifests/monitoring/alertmanager-route.yaml')

export class MonitoringBinaryMissingError extends Error {
  override readonly name = 'MonitoringBinaryMissingError'
  constructor (what: string, tried: string[]) {
    super(`${what} not found (tried ${tried.join(', ')}): run make test-deps (test/monitoring/install-prometheus.sh, install-monitoring-crds.sh, install-promtool.sh)`)
  }
}

function firstExisting (what: string, candidates: string[]): string {
  const found = candidates.find(c => c !== '' && existsSync(c))
  if (found === undefined) throw new MonitoringBinaryMissingError(what, candidates)
  return found
}

/** Version of the Prometheus the tests build (test/monitoring/install-prometheus.sh). */
export const PROMETHEUS_VERSION = 'v0.316.0'

/**
 * The Prometheus server: $LATTICE_PROMETHEUS, else the Go build of install-prometheus.sh. Not Debian's
 * 2.42: it is built without the Kubernetes service discovery.
 */
export function prometheusBinary (): string {
  const cache = process.env.LATTICE_CACHE_DIR ?? join(process.env.HOME ?? '', '.cache/lattice')
  return firstExisting('prometheus', [process.env.LATTICE_PROMETHEUS ?? '', join(cache, `prometheus-${PROMETHEUS_VERSION}`, 'bin', 'prometheus')])
}

/** prometheus-operator's ServiceMonitor, PodMonitor and PrometheusRule CRDs (install-monitoring-crds.sh). */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0'
export function monitoringCrdsDir (): string {
  const cache = process.env.LATTICE_CACHE_DIR ?? join(process.env.HOME ?? '', '.cache/lattice')
  return firstExisting('prometheus-operator CRDs', [join(cache, `prometheus-operator-${PROMETHEUS_OPERATOR_VERSION}`, 'crds', 'monitoring.coreos.com_podmonitors.yaml')]).replace(/\/[^/]+$/, '')
}

/** Debian's Alertmanager (package prometheus-alertmanager). */
export function alertmanagerBinary (): string {
  return firstExisting('alertmanager', [process.env.LATTICE_ALERTMANAGER ?? '', '/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager'])
}

// ---------------------------------------------------------------- rules

interface AlertRule { alert?: string, record?: string, expr: string, for?: string, labels?: Record<string, string>, annotations?: Record<string, string> }
/** A Prometheus rule file, and the spec of a PrometheusRule (prometheus-operator writes one from the other). */
export interface RuleFile { groups: Array<{ name: string, interval?: string, rules: AlertRule[] }> }

// ---------------------------------------------------------------- webhook receiver

export interface WebhookAlert {
  status: 'firing' | 'resolved'
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  endsAt: string
}

export interface WebhookNotification {
  receiver: string
  status: 'firing' | 'resolved'
  alerts: WebhookAlert[]
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
}

export interface WebhookReceiver {
  readonly url: string
  readonly notifications: WebhookNotification[]
  /** Every alert of every notification so far, with the receiver it went to. */
  alerts: () => Array<WebhookAlert & { receiver: string }>
  close: () => Promise<void>
}

/** A tiny Alertmanager webhook receiver on 127.0.0.1 that keeps every notification. */
export async function startWebhookReceiver (): Promise<WebhookReceiver> {
  const notifications: WebhookNotification[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      try {
        notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookNotification)
        res.writeHead(200).end()
      } catch {
        res.writeHead(400).end()
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/`,
    notifications,
    alerts: () => notifications.flatMap(n => n.alerts.map(a => ({ ...a, receiver: n.receiver }))),
    close: async () => { await new Promise<void>(resolve => server.close(() => resolve())) }
  }
}

// ---------------------------------------------------------------- Alertmanager

interface RouteConfig {
  route: { routes?: RouteConfig['route'][], group_wait?: string, group_interval?: string, repeat_interval?: string, [k: string]: unknown }
  receivers: Array<{ name: string, webhook_configs?: Array<{ url: string, send_resolved?: boolean }> }>
  [k: string]: unknown
}

/** The example route with every webhook pointed at `url` and group timings shortened to seconds. */
export function testRoute (url: string): RouteConfig {
  const cfg = yaml.load(readFileSync(ROUTE_FILE, 'utf8')) as RouteConfig
  const shorten = (r: RouteConfig['route']): void => {
    if (r.group_wait !== undefined) r.group_wait = '1s'
    if (r.group_interval !== undefined) r.group_interval = '1s'
    if (r.repeat_interval !== undefined) r.repeat_interval = '1h'
    for (const c of r.routes ?? []) shorten(c)
  }
  shorten(cfg.route)
  for (const rc of cfg.receivers) for (const w of rc.webhook_configs ?? []) w.url = url
  return cfg
}

/** Wait for `<url>/-/ready`; a server that exits fails at once with its log. */
async function waitReady (name: string, url: string, proc: ManagedProcess, timeoutMs: number): Promise<void> {
  let exited = false
  await waitFor(`${name} ready at ${url}`, async () => {
    if (proc.hasExited()) { exited = true; return true }
    return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok
  }, { timeoutMs, intervalMs: 250 })
  if (exited) throw new Error(`${name} exited before it was ready:\n${proc.tail(3000)}`)
}

export interface RunningServer {
  readonly url: string
  readonly process: ManagedProcess
  stop: () => Promise<void>
}

export async function startAlertmanager (processes: ProcessRegistry, dir: string, webhookUrl: string): Promise<RunningServer> {
  mkdirSync(join(dir, 'alertmanager-data'), { recursive: true })
  const config = join(dir, 'alertmanager.yml')
  writeFileSync(config, yaml.dump(testRoute(webhookUrl)))
  const port = await freePort()
  const proc = processes.spawn({
    name: 'alertmanager',
    command: alertmanagerBinary(),
    args: [`--config.file=${config}`, `--storage.path=${join(dir, 'alertmanager-data')}`, `--web.listen-address=127.0.0.1:${port}`,
      // no cluster gossip: it would listen on every interface
      '--cluster.listen-address=', '--log.level=info'],
    logFile: join(dir, 'logs', 'alertmanager.log')
  })
  const url = `http://127.0.0.1:${port}`
  await waitReady('alertmanager', url, proc, 60_000)
  return { url, process: proc, stop: async () => { await proc.stop(5000) } }
}

// ---------------------------------------------------------------- Prometheus

interface ScrapeFile { scrape_configs: Array<{ job_name: string, kubernetes_sd_configs?: Array<Record<string, unknown>>, [k: string]: unknown }> }

/** prometheus.yml: the shipped scrape jobs (with the kubeconfig), the rules, the Alertmanager; 1 s cycles. */
export function prometheusConfig (opts: { kubeconfig: string, rulesFile: string, alertmanager: string }): Record<string, unknown> {
  const scrape = yaml.load(readFileSync(SCRAPE_FILE, 'utf8')) as ScrapeFile
  for (const job of scrape.scrape_configs) {
    for (const sd of job.kubernetes_sd_configs ?? []) sd.kubeconfig_file = opts.kubeconfig
  }
  return {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [opts.rulesFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager.replace(/^http:\/\//, '')] }] }] },
    scrape_configs: scrape.scrape_configs
  }
}

export interface PromSample { metric: Record<string, string>, value: [number, string] }
export interface PromAlert { labels: Record<string, string>, annotations: Record<string, string>, state: 'pending' | 'firing', activeAt: string, value: string }
export interface PromRule { name: string, query: string, health: string, lastError?: string, type: string, state?: string }

export interface RunningPrometheus extends RunningServer {
  query: (expr: string) => Promise<PromSample[]>
  alerts: () => Promise<PromAlert[]>
  rules: () => Promise<PromRule[]>
  targets: () => Promise<Array<{ labels: Record<string, string>, health: string, lastError: string, scrapeUrl: string }>>
  /** The firing and pending alerts, one per line, for failure messages. */
  dumpAlerts: () => Promise<string>
}

interface PromResponse<T> { status: string, data: T, error?: string }

export async function startPrometheus (processes: ProcessRegistry, dir: string, opts: { kubeconfig: string, rules: RuleFile, alertmanager: string }): Promise<RunningPrometheus> {
  mkdirSync(join(dir, 'prometheus-data'), { recursive: true })
  const rulesFile = join(dir, 'lattice-rules.yaml')
  writeFileSync(rulesFile, yaml.dump(opts.rules, { lineWidth: -1 }))
  const config = join(dir, 'prometheus.yml')
  writeFileSync(config, yaml.dump(prometheusConfig({ kubeconfig: opts.kubeconfig, rulesFile, alertmanager: opts.alertmanager }), { lineWidth: -1 }))
  const port = await freePort()
  const proc = processes.spawn({
    name: 'prometheus',
    command: prometheusBinary(),
    args: [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'prometheus-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=info'],
    logFile: join(dir, 'logs', 'prometheus.log')
  })
  const url = `http://127.0.0.1:${port}`
  await waitReady('prometheus', url, proc, 90_000)

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) })
    const body = await res.json() as PromResponse<T>
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`)
    return body.data
  }
  const alerts = async (): Promise<PromAlert[]> => (await api<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts
  return {
    url,
    process: proc,
    stop: async () => { await proc.stop(10_000) },
    query: async (expr: string) => {
      const data = await api<{ resultType: string, result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)
      if (data.resultType !== 'vector') throw new Error(`query ${expr}: result type ${data.resultType}`)
      return data.result
    },
    alerts,
    rules: async () => (await api<{ groups: Array<{ rules: PromRule[] }> }>('/api/v1/rules')).groups.flatMap(g => g.rules),
    targets: async () => (await api<{ activeTargets: Array<{ labels: Record<string, string>, health: string, lastError: string, scrapeUrl: string }> }>('/api/v1/targets')).activeTargets,
    dumpAlerts: async () => {
      try {
        const list = await alerts()
        return list.length === 0 ? '(no pending or firing alerts)' : list.map(a => `${a.state} ${JSON.stringify(a.labels)} since ${a.activeAt}`).join('\n')
      } catch (err) {
        return `(alerts unavailable: ${(err as Error).message})`
      }
    }
  }
}
