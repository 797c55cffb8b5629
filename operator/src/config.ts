/**
 * Operator configuration from flags and environment, validated with ajv. A bad value is a
 * ConfigError naming the variable; main prints it and exits 2.
 */
import { Ajv } from 'ajv'
import type { AddressMode } from './api/types.js'
import { parseListenAddress, type ListenAddress } from './health/server.js'
import type { LogLevel } from '../../packages/log/src/index.js'

export interface OperatorConfigValues {
  /** --kubeconfig only; KUBECONFIG (a list) and the rest are read by kube/kubeconfig.ts as kubectl does. */
  kubeconfig?: string
  watchNamespace?: string
  leaderElect: boolean
  leaderElectionNamespace: string
  metricsAddr: ListenAddress
  healthAddr: ListenAddress
  probeIntervalSeconds: number
  addressMode: AddressMode
  clusterDomain: string
  logLevel: LogLevel
  /** POD_NAMESPACE: where the operator's pods run (the nodes' NetworkPolicy admits them from there). */
  operatorNamespace?: string
}

export class ConfigError extends Error {
  readonly variable: string
  readonly value: string | undefined
  constructor (variable: string, value: string | undefined, reason: string) {
    super(`invalid ${variable}=${JSON.stringify(value ?? '')}: ${reason}`)
    this.name = 'ConfigError'
    this.variable = variable
    this.value = value
  }
}

export class HelpRequested extends Error {
  constructor () { super('help'); this.name = 'HelpRequested' }
}

export class VersionRequested extends Error {
  constructor () { super('version'); this.name = 'VersionRequested' }
}

export const HELP = `lattice-operator: Kubernetes operator for LatticeNetwork / LatticeNode (lattice.diotec360.com/v1alpha1)

Usage: lattice-operator [--kubeconfig PATH] [flags] | --version | --help

API credentials, as kubectl finds them: --kubeconfig PATH; else KUBECONFIG (files separated by ':',
merged, the first to set a value wins; missing files skipped); else ~/.kube/config; else in-cluster
(the pod's ServiceAccount).

Flags and environment (a flag wins over its variable):
  --namespace NS                    LATTICE_WATCH_NAMESPACE  watch one namespace; empty = cluster-wide
  --leader-elect true|false         LATTICE_LEADER_ELECT (default false)
  --leader-election-namespace NS    LATTICE_LEADER_ELECTION_NAMESPACE (default: POD_NAMESPACE, else the watch namespace, else default)
  --metrics-addr HOST:PORT          LATTICE_METRICS_ADDR (default :8080), serves /metrics
  --health-addr HOST:PORT           LATTICE_HEALTH_ADDR (default :8081), serves /healthz and /readyz
  --probe-interval-seconds N        LATTICE_PROBE_INTERVAL_SECONDS (default 5)
  --address-mode dns|podIP          LATTICE_ADDRESS_MODE (default dns)
  --cluster-domain DOMAIN           LATTICE_CLUSTER_DOMAIN (default cluster.local)
  --log-level error|warn|info|debug LATTICE_LOG_LEVEL (default info)
A bad value exits with status 2 and names the variable.
`

const FLAGS: Record<string, string> = {
  '--kubeconfig': 'LATTICE_KUBECONFIG_FLAG',
  '--namespace': 'LATTICE_WATCH_NAMESPACE',
  '--leader-elect': 'LATTICE_LEADER_ELECT',
  '--leader-election-namespace': 'LATTICE_LEADER_ELECTION_NAMESPACE',
  '--metrics-addr': 'LATTICE_METRICS_ADDR',
  '--health-addr': 'LATTICE_HEALTH_ADDR',
  '--probe-interval-seconds': 'LATTICE_PROBE_INTERVAL_SECONDS',
  '--address-mode': 'LATTICE_ADDRESS_MODE',
  '--cluster-domain': 'LATTICE_CLUSTER_DOMAIN',
  '--log-level': 'LATTICE_LOG_LEVEL'
}

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    LATTICE_KUBECONFIG_FLAG: { type: 'string', minLength: 1 },
    LATTICE_WATCH_NAMESPACE: { type: 'string', pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$', maxLength: 63 },
    LATTICE_LEADER_ELECT: { type: 'string', enum: ['true', 'false', '1', '0', ''] },
    LATTICE_LEADER_ELECTION_NAMESPACE: { type: 'string', pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$', maxLength: 63 },
    LATTICE_METRICS_ADDR: { type: 'string', pattern: '^.*:[0-9]{1,5}$' },
    LATTICE_HEALTH_ADDR: { type: 'string', pattern: '^.*:[0-9]{1,5}$' },
    LATTICE_PROBE_INTERVAL_SECONDS: { type: 'string', pattern: '^([1-9][0-9]{0,3}|0\\.[0-9]*[1-9][0-9]*|[1-9][0-9]{0,3}\\.[0-9]+)$' },
    LATTICE_ADDRESS_MODE: { type: 'string', enum: ['dns', 'podIP'] },
    LATTICE_CLUSTER_DOMAIN: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
    LATTICE_LOG_LEVEL: { type: 'string', enum: ['error', 'warn', 'info', 'debug'] }
  }
} as const

const ajv = new Ajv({ allErrors: true })
const validate = ajv.compile(schema)

/** Pure: argv (without node and script) and env in, config out. */
export function parseConfig (argv: readonly string[], env: Readonly<Record<string, string | undefined>>): OperatorConfigValues {
  const values: Record<string, string> = {}
  for (const k of Object.values(FLAGS)) {
    // --kubeconfig has no variable of its own: KUBECONFIG is a list, loaded as kubectl does.
    if (k === 'LATTICE_KUBECONFIG_FLAG') continue
    const v = env[k]
    if (v !== undefined) values[k] = v
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--help' || arg === '-h') throw new HelpRequested()
    if (arg === '--version') throw new VersionRequested()
    const eq = arg.indexOf('=')
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const variable = FLAGS[flag]
    if (variable === undefined) throw new ConfigError(arg, undefined, 'unknown flag (see --help)')
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined) throw new ConfigError(flag, undefined, 'needs a value')
    values[variable] = value
  }
  if (!validate(values as unknown)) {
    const e = validate.errors?.[0]
    const key = (e?.instancePath ?? '').replace(/^\//, '') || 'config'
    const variable = key === 'LATTICE_KUBECONFIG_FLAG' ? '--kubeconfig' : key
    throw new ConfigError(variable, values[key], e?.message ?? 'invalid')
  }
  const addr = (variable: string, fallback: string): ListenAddress => {
    try { return parseListenAddress(values[variable] ?? fallback) } catch { throw new ConfigError(variable, values[variable], 'want host:port or :port, port <= 65535') }
  }
  const watch = values.LATTICE_WATCH_NAMESPACE ?? ''
  const kubeconfig = values.LATTICE_KUBECONFIG_FLAG ?? ''
  return {
    ...(kubeconfig !== '' ? { kubeconfig } : {}),
    ...(watch !== '' ? { watchNamespace: watch } : {}),
    leaderElect: ['true', '1'].includes(values.LATTICE_LEADER_ELECT ?? 'false'),
    leaderElectionNamespace: values.LATTICE_LEADER_ELECTION_NAMESPACE || env.POD_NAMESPACE || watch || 'default',
    metricsAddr: addr('LATTICE_METRICS_ADDR', ':8080'),
    healthAddr: addr('LATTICE_HEALTH_ADDR', ':8081'),
    probeIntervalSeconds: Number(values.LATTICE_PROBE_INTERVAL_SECONDS ?? '5'),
    addressMode: (values.LATTICE_ADDRESS_MODE ?? 'dns') as AddressMode,
    clusterDomain: values.LATTICE_CLUSTER_DOMAIN ?? 'cluster.local',
    logLevel: (values.LATTICE_LOG_LEVEL ?? 'info') as LogLevel,
    ...(env.POD_NAMESPACE !== undefined && env.POD_NAMESPACE !== '' ? { operatorNamespace: env.POD_NAMESPACE } : {})
  }
}
