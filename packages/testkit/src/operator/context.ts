/**
 * An OperatorContext for the reconcilers' unit tests: the fake cluster's client and caches, Events
 * recorded in a list, real metrics, the real prober reading node APIs that the test scripts (by pod
 * IP), and a clock the test moves.
 */
import type { KubernetesObject } from '@kubernetes/client-node'
import { createSilentLogger } from '../../../log/src/index.js'
import type { OperatorConfig, OperatorContext } from '../../../../operator/src/controllers/context.js'
import type { EventRecorder, EventType } from '../../../../operator/src/kube/events.js'
import { createOperatorMetrics } from '../../../../operator/src/metrics/metrics.js'
import type { P2PStatus, StateBody } from '../../../contracts/src/node-api.js'
import { createNodeProber } from '../../../../operator/src/probe/prober.js'
import { p2pStatus } from '../fixtures/status.js'
import { createFakeCluster, type FakeCluster } from './fake-cluster.js'

export interface RecordedEvent { kind: string, name: string, type: EventType, reason: string, message: string }

export interface TestClock {
  now: () => Date
  advance: (ms: number) => void
}

/** What each node API answers, by pod IP; an IP without an entry refuses the connection. */
export class ScriptedNodeApis {
  private readonly answers = new Map<string, { status: P2PStatus, state: StateBody }>()
  /** The node at `ip` answers with this p2p status (and the state that goes with it). */
  serve (ip: string, status: Parameters<typeof p2pStatus>[0] & { merkle_root: string }): void {
    const full = p2pStatus(status)
    this.answers.set(ip, { status: full, state: { merkle_root: full.merkle_root, record_count: full.record_count, version_vector: {} } })
  }

  stop (ip: string): void { this.answers.delete(ip) }

  readonly fetch = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    const answer = this.answers.get(url.hostname.replace(/^\[|\]$/g, ''))
    if (answer === undefined) throw new TypeError(`fetch failed: connect ECONNREFUSED ${url.host}`)
    const body = url.pathname.endsWith('/p2p/status') ? answer.status : answer.state
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
  }
}

export interface TestOperator {
  ctx: OperatorContext
  cluster: FakeCluster
  events: RecordedEvent[]
  clock: TestClock
  nodeApis: ScriptedNodeApis
}

export function createTestClock (start = new Date('2026-06-01T12:00:00Z')): TestClock {
  let t = start.getTime()
  return { now: () => new Date(t), advance: ms => { t += ms } }
}

export function createTestOperator (config: Partial<OperatorConfig> = {}): TestOperator {
  const clock = createTestClock()
  const cluster = createFakeCluster({ now: clock.now })
  const events: RecordedEvent[] = []
  const recorder: EventRecorder = {
    event (obj: KubernetesObject, type: EventType, reason: string, message: string): void {
      events.push({ kind: obj.kind ?? '', name: obj.metadata?.name ?? '', type, reason, message })
    },
    async flush (): Promise<void> {}
  }
  const nodeApis = new ScriptedNodeApis()
  const ctx: OperatorContext = {
    client: cluster.client,
    caches: cluster.caches,
    events: recorder,
    metrics: createOperatorMetrics(),
    prober: createNodeProber({ timeoutMs: 1000, failureThreshold: 1 }, { fetch: nodeApis.fetch, now: () => clock.now().getTime() }),
    logger: createSilentLogger(),
    config: {
      clusterDomain: 'cluster.local',
      addressMode: 'dns',
      probeIntervalMs: 5000,
      probeTimeoutMs: 1000,
      divergenceGraceMs: 15_000,
      tlsPropagationMs: 120_000,
      ...config
    },
    now: clock.now,
    nodeNetworks: new Map(),
    externalPeerMemory: new Map()
  }
  return { ctx, cluster, events, clock, nodeApis }
}
