import path from 'node:path'
import { Ajv } from 'ajv'
import { ConfigError } from './errors.js'
import { NODE_ENV, nodeEnvSchema, type NodeEnvVariable } from '../../../packages/contracts/src/node-env.js'
import type { NodeConfig } from './interface.js'
import type { LogLevel } from '../../../packages/log/src/index.js'
import type { SyncModeSetting } from '../sync/interface.js'

type Raw = Record<string, string | undefined>
type Typed = Record<string, unknown>

// Everything about a variable comes from the node's environment table (packages/contracts node-env.ts).
const VARIABLES: ReadonlyMap<string, NodeEnvVariable> = new Map(NODE_ENV.map(v => [v.name, v]))
const KNOWN = new Set(VARIABLES.keys())
const kindOf = (name: string): NodeEnvVariable['kind'] | undefined => VARIABLES.get(name)?.kind
const allowedFor = (name: string): string | undefined => VARIABLES.get(name)?.allowed

const ajv = new Ajv({ allErrors: true, strict: true })
const validate = ajv.compile(nodeEnvSchema())

/**
 * `--http-listen=0.0.0.0:8080` and `--http-listen 0.0.0.0:8080` set AETHEL_HTTP_LISTEN: every
 * variable has a flag of the same name, so the table of variables is also the table of flags.
 */
export function flagsToVariables (argv: string[]): Raw {
  const out: Raw = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg)
    if (match == null) throw new ConfigError(`unexpected argument "${arg}" (flags look like --http-listen=0.0.0.0:8080)`, arg)
    const name = `AETHEL_${match[1].replaceAll('-', '_').toUpperCase()}`
    if (!KNOWN.has(name)) throw new ConfigError(`unknown flag --${match[1]}`, arg)
    let value = match[2]
    if (value === undefined) {
      value = argv[++i]
      if (value === undefined) throw new ConfigError(`flag --${match[1]} needs a value`, name)
    }
    out[name] = value
  }
  return out
}

function toTyped (raw: Raw): Typed {
  const typed: Typed = {}
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || !KNOWN.has(name)) continue
    const trimmed = value.trim()
    const kind = kindOf(name)
    if (kind === 'list') typed[name] = trimmed.split(',').map(s => s.trim()).filter(s => s !== '')
    else if (kind === 'number') typed[name] = trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : value
    else if (kind === 'boolean') typed[name] = trimmed === 'true' || trimmed === '1' ? true : trimmed === 'false' || trimmed === '0' ? false : value
    else typed[name] = trimmed
  }
  return typed
}

function describeError (error: { instancePath: string, keyword: string, message?: string, params: Record<string, unknown> }, typed: Typed): ConfigError {
  const name = error.keyword === 'dependencies'
    ? String(error.params.property)
    : error.instancePath.split('/')[1] ?? 'configuration'
  const got = typed[name]
  const allowed = allowedFor(name) ?? error.message ?? 'a valid value'
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`
  return new ConfigError(`${name}: invalid value${shown}; allowed: ${allowed}`, name)
}

/** AETHEL_* variables the program does not know (probably typos): the daemon warns about them. */
export function unknownVariables (env: Raw): string[] {
  return Object.keys(env).filter(name => name.startsWith('AETHEL_') && !KNOWN.has(name))
}

/** Environment, then flags on top; throws ConfigError naming the variable. */
export function loadConfig (env: Raw, argv: string[] = []): NodeConfig {
  const raw: Raw = {}
  for (const name of KNOWN) if (env[name] !== undefined && env[name] !== '') raw[name] = env[name]
  Object.assign(raw, flagsToVariables(argv))
  const typed = toTyped(raw)
  if (!validate(typed)) {
    throw describeError(validate.errors![0], typed)
  }
  const str = (name: string, fallback: string): string => (typed[name] as string | undefined) ?? fallback
  const list = (name: string, fallback: string[] = []): string[] => (typed[name] as string[] | undefined) ?? fallback
  const secs = (name: string, fallback: number): number => Math.round(((typed[name] as number | undefined) ?? fallback) * 1000)

  const dataDir = path.resolve(str('AETHEL_DATA_DIR', './lattice-data'))
  const listen = str('AETHEL_HTTP_LISTEN', '0.0.0.0:8080')
  const colon = listen.lastIndexOf(':')
  const port = Number(listen.slice(colon + 1))
  if (port > 65535) throw new ConfigError(`AETHEL_HTTP_LISTEN: port ${port} out of range; allowed: ${allowedFor('AETHEL_HTTP_LISTEN')}`, 'AETHEL_HTTP_LISTEN')
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1')
  const optionalPath = (name: string): string | undefined => typed[name] === undefined ? undefined : path.resolve(typed[name] as string)

  const certFile = optionalPath('AETHEL_TLS_CERT_FILE')
  const keyFile = optionalPath('AETHEL_TLS_KEY_FILE')
  return {
    p2p: {
      enabled: (typed.AETHEL_P2P_ENABLED as boolean | undefined) ?? true,
      listen: list('AETHEL_P2P_LISTEN', ['/ip4/0.0.0.0/tcp/9000']),
      bootstrap: list('AETHEL_P2P_BOOTSTRAP'),
      topic: str('AETHEL_P2P_TOPIC', 'aethel/lattice/v1'),
      pskFile: optionalPath('AETHEL_P2P_PSK_FILE')
    },
    http: {
      host,
      port,
      tls: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined,
      caFile: optionalPath('AETHEL_TLS_CA_FILE')
    },
    latticeNodes: list('AETHEL_LATTICE_NODES').map(url => url.replace(/\/+$/, '')),
    dataDir,
    identityFile: optionalPath('AETHEL_IDENTITY_FILE') ?? path.join(dataDir, 'identity.key'),
    apiTokenFile: optionalPath('AETHEL_API_TOKEN_FILE'),
    members: list('AETHEL_MEMBERS'),
    peersFile: optionalPath('AETHEL_PEERS_FILE'),
    sync: {
      mode: str('AETHEL_SYNC_MODE', 'auto') as SyncModeSetting,
      heartbeatIntervalMs: secs('AETHEL_HEARTBEAT_INTERVAL', 5),
      peerlessTimeoutMs: secs('AETHEL_PEERLESS_TIMEOUT', 60),
      httpPollIntervalMs: secs('AETHEL_HTTP_POLL_INTERVAL', 10),
      ownHeadTimeoutMs: secs('AETHEL_OWN_HEAD_TIMEOUT', 10)
    },
    logLevel: str('AETHEL_LOG_LEVEL', 'info') as LogLevel
  }
}
