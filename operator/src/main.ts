#!/usr/bin/env node
/** lattice-operator entry point: parse config, connect, run until SIGTERM/SIGINT. */
import { createLogger } from '../../packages/log/src/index.js'
import { packageVersion } from '../../packages/contracts/src/version.js'
import { ConfigError, HELP, HelpRequested, VersionRequested, parseConfig } from './config.js'
import { loadKubeconfig, NoKubeconfigError } from './kube/kubeconfig.js'
import { createOperator } from './operator.js'

async function main (): Promise<number> {
  let config
  try {
    config = parseConfig(process.argv.slice(2), process.env)
  } catch (err) {
    if (err instanceof HelpRequested) { process.stdout.write(HELP); return 0 }
    if (err instanceof VersionRequested) { process.stdout.write(`lattice-operator ${packageVersion()}\n`); return 0 }
    if (err instanceof ConfigError) { process.stderr.write(`lattice-operator: ${err.message}\n`); return 2 }
    throw err
  }
  const logger = createLogger(config.logLevel, { service: 'lattice-operator' })
  let kc
  try {
    const loaded = loadKubeconfig(config.kubeconfig, process.env)
    kc = loaded.kubeConfig
    logger.info('API credentials', { source: loaded.source.kind === 'in-cluster' ? 'in-cluster' : `${loaded.source.from}: ${loaded.source.files.join(':')}`, server: kc.getCurrentCluster()?.server })
  } catch (err) {
    if (err instanceof NoKubeconfigError) { process.stderr.write(`lattice-operator: ${err.message}\n`); return 2 }
    throw err
  }
  const operator = createOperator({
    ...(config.watchNamespace !== undefined ? { watchNamespace: config.watchNamespace } : {}),
    leaderElect: config.leaderElect,
    leaderElectionNamespace: config.leaderElectionNamespace,
    metricsAddr: config.metricsAddr,
    healthAddr: config.healthAddr,
    probeIntervalMs: config.probeIntervalSeconds * 1000,
    addressMode: config.addressMode,
    clusterDomain: config.clusterDomain,
    ...(config.operatorNamespace !== undefined ? { operatorNamespace: config.operatorNamespace } : {})
  }, {
    kubeConfig: kc,
    logger,
    onLostLeadership: () => { logger.error('leadership lost; exiting so a fresh process competes again'); process.exit(1) }
  })
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info('stopping', { signal })
    operator.stop().then(() => process.exit(0), (err: unknown) => { logger.error('stop failed', { err: String(err) }); process.exit(1) })
  }
  process.on('SIGTERM', () => { stop('SIGTERM') })
  process.on('SIGINT', () => { stop('SIGINT') })
  await operator.start()
  logger.info('lattice-operator started', { metrics_port: operator.metricsPort, health_port: operator.healthPort, watch_namespace: config.watchNamespace ?? '(all)', leader_elect: config.leaderElect, address_mode: config.addressMode })
  return -1
}

main().then(code => { if (code >= 0) process.exit(code) }, (err: unknown) => {
  process.stderr.write(`lattice-operator: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
