/**
 * For the long-running local programs (cluster up, real node up, demos): on the first SIGINT or
 * SIGTERM, say so, run `stop` once, and exit.
 */
export function stopOnInterrupt (stop: () => Promise<void>): void {
  let stopping = false
  const handler = (): void => {
    if (stopping) return
    stopping = true
    process.stdout.write('stopping...\n')
    void stop().finally(() => process.exit(0))
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
}
