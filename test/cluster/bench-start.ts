/**
 * Warm start of the local control plane (binaries cached): etcd + kube-apiserver from spawn to
 * `/readyz` ok and the CRDs of crds/ Established, then clean stop. Prints one JSON line.
 *   node dist/test/cluster/bench-start.js [runs=3] [--controllers]
 */
import { startControlPlane } from './controlplane.js'

async function main (): Promise<void> {
  const runs = Number(process.argv.find(a => /^\d+$/.test(a)) ?? '3')
  const controllers = process.argv.includes('--controllers')
  const startMs: number[] = []
  const stopMs: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    const cp = await startControlPlane({ controllerManager: controllers, scheduler: controllers })
    startMs.push(performance.now() - t0)
    const t1 = performance.now()
    await cp.stop()
    stopMs.push(performance.now() - t1)
  }
  const sorted = [...startMs].sort((a, b) => a - b)
  console.log(JSON.stringify({
    bench: controllers ? 'controlplane-warm-start-with-controllers' : 'controlplane-warm-start',
    runs,
    start_ms: startMs.map(Math.round),
    start_median_ms: Math.round(sorted[Math.floor(sorted.length / 2)]),
    start_max_ms: Math.round(sorted[sorted.length - 1]),
    stop_ms: stopMs.map(Math.round)
  }))
}

await main()
