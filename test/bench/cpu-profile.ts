/**
 * Where a node's main thread spends its CPU, from a V8 CPU profile (`node --cpu-prof`): each sample is
 * charged to a stage by the innermost frame whose source says which stage it is (so JSON.parse called
 * by the gossip codec is "gossip decode", a node:crypto frame called by the ledger's verifier is
 * "verification"). Only samples inside a time window count (profile timestamps and
 * `process.hrtime` share CLOCK_MONOTONIC on Linux).
 */
import { readFileSync } from 'node:fs'

interface CallFrame { functionName: string, url: string }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface CpuProfile { nodes: ProfileNode[], startTime: number, samples: number[], timeDeltas: number[] }

/** Stages in the order a record meets them; first matching rule (by URL, else function name) wins. */
const RULES: Array<[stage: string, test: (f: CallFrame) => boolean]> = [
  ['changes feed (SSE)', f => f.url.includes('/node/src/api/changes')],
  ['Merkle update', f => f.url.includes('/node/src/ledger/merkle')],
  ['SQLite (statements, commit, fsync)', f => f.url.includes('/node/src/storage/')],
  ['verification + canonical JSON', f => /\/node\/src\/ledger\/(record|ingest-checks)\./.test(f.url) || f.url.includes('/packages/contracts/')],
  ['ledger: state, write path, events', f => f.url.includes('/node/src/ledger/')],
  ['gossip decode / encode', f => f.url.includes('/node/src/sync/codec')],
  ['sync: gossip, heartbeats, catch-up', f => f.url.includes('/node/src/sync/') && !f.url.includes('/p2p/')],
  ['metrics (prom-client)', f => f.url.includes('prom-client')],
  ['logging', f => f.url.includes('winston') || f.url.includes('logform') || f.url.includes('/packages/log/')],
  ['gossipsub', f => f.url.includes('gossipsub')],
  ['libp2p streams (yamux, noise, pnet, protobuf)', f => /libp2p|yamux|noise|pnet|it-|uint8arraylist|protons|multiformats|chainsafe|@noble/.test(f.url) || f.url.includes('/node/src/sync/p2p/')],
  ['HTTP API (express, routes)', f => f.url.includes('/node/src/api/') || f.url.includes('express') || f.url.includes('body-parser')],
  ['garbage collection', f => f.functionName === '(garbage collector)']
]
/** Samples no rule claims, anywhere up their stack. */
const NODE_CORE = 'node core alone (http parser, net, timers)'


export interface StageSplit {
  /** Main-thread busy time in the window by stage, ms (sampled wall time while not idle). */
  byStage: Map<string, number>
  busyMs: number
}

export function stageSplit (file: string, fromUs: number, toUs: number): StageSplit {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const parent = new Map<number, number>()
  const byId = new Map<number, ProfileNode>()
  for (const n of profile.nodes) {
    byId.set(n.id, n)
    for (const c of n.children ?? []) parent.set(c, n.id)
  }
  // innermost claimed frame up the stack; undefined: nothing up the stack is claimed
  const claimed = new Map<number, string | undefined>()
  const claim = (id: number): string | undefined => {
    if (claimed.has(id)) return claimed.get(id)
    const f = byId.get(id)?.callFrame
    const up = parent.get(id)
    const stage = (f === undefined ? undefined : RULES.find(([, test]) => test(f))?.[0]) ?? (up === undefined ? undefined : claim(up))
    claimed.set(id, stage)
    return stage
  }
  const classify = (id: number): string | null => {
    const f = byId.get(id)?.callFrame
    if (f?.functionName === '(idle)') return null
    if (f?.functionName === '(program)') return 'native, outside JS (event loop, syscalls)'
    return claim(id) ?? (f?.url.startsWith('node:') === true ? NODE_CORE : 'other')
  }
  const byStage = new Map<string, number>()
  let busyMs = 0
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]
    if (t < fromUs || t > toUs) continue
    // a sample stands for the time until the next one
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000
    const stage = classify(profile.samples[i])
    if (stage === null) continue
    byStage.set(stage, (byStage.get(stage) ?? 0) + ms)
    busyMs += ms
  }
  return { byStage, busyMs }
}
