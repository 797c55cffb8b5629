#!/usr/bin/env node
/**
 * lattice-node: the Aethel ledger node daemon (hybrid P2P/HTTP sync, REST API, metrics, dashboard).
 * Configuration comes from AETHEL_* variables; every variable also has a flag (`--http-listen=…`).
 */
import { ConfigError, loadConfig, unknownVariables } from './config/index.js'
import { NODE_ENV, type NodeEnvVariable } from '../../packages/contracts/src/node-env.js'
import { startDaemon, type Daemon } from './daemon.js'
import { createLogger } from '../../packages/log/src/index.js'
import { packageVersion } from '../../packages/contracts/src/version.js'

const EXIT_CONFIG = 2

function usage (): string {
  const rows = (NODE_ENV as readonly NodeEnvVariable[]).map(v => `  --${v.name.slice('AETHEL_'.length).toLowerCase().replaceAll('_', '-')}\n      ${v.name}: ${v.description}${v.default !== undefined ? ` [default: ${v.default === '' ? 'none' : v.default}]` : ''}`)
  return [
    'Usage: lattice-node [--flag=value ...]',
    '',
    'Runs an Aethel ledger node: signed append-only records, gossip over libp2p with HTTP fallback,',
    'the REST API under /api/lattice, Prometheus metrics at /metrics and the dashboard at /.',
    'Each flag sets the variable of the same name; flags win over the environment.',
    '',
    ...rows,
    '',
    '  --help       this text',
    '  --version    the version'
  ].join('\n')
}

async function main (argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(usage() + '\n'); return 0 }
  if (argv.includes('--version')) { process.stdout.write(packageVersion() + '\n'); return 0 }

  let config
  try {
    config = loadConfig(process.env, argv)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lattice-node: configuration error: ${err.message}\n`)
      return EXIT_CONFIG
    }
    throw err
  }
  const logger = createLogger(config.logLevel, { service: 'lattice-node' })
  for (const name of unknownVariables(process.env)) logger.warn('unknown variable ignored (a typo?)', { variable: name })
  if (config.p2p.enabled && config.p2p.pskFile === undefined) logger.warn('AETHEL_P2P_PSK_FILE is not set: the P2P network is not private (any libp2p peer can connect; records are still accepted only from members)')

  let daemon: Daemon
  try {
    daemon = await startDaemon(config, { logger })
  } catch (err) {
    const error = err as Error
    logger.error('lattice-node failed to start', { error: error.message, error_name: error.name })
    process.stderr.write(`lattice-node: ${error.name}: ${error.message}\n`)
    return error.name === 'IdentityError' ? EXIT_CONFIG : 1
  }
  process.stdout.write([
    `lattice-node ${daemon.peerId}`,
    `  dashboard: ${daemon.url}/`,
    `  api:       ${daemon.url}/api/lattice/p2p/status`,
    `  token:     ${daemon.apiToken.file}${daemon.apiToken.created ? ' (created)' : ''}`,
    ''
  ].join('\n'))

  return await new Promise<number>(resolve => {
    let signalled = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) return
      signalled = true
      logger.info('shutting down', { signal })
      daemon.stop().then(() => resolve(0), (err: Error) => {
        logger.error('shutdown failed', { error: err.message })
        resolve(1)
      })
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
}

main(process.argv.slice(2)).then(code => {
  process.exitCode = code
  // Everything is closed by now; a handle a dependency forgot must not keep a stopped node alive.
  setTimeout(() => process.exit(code), 3000).unref()
}, (err: Error) => {
  process.stderr.write(`lattice-node: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
