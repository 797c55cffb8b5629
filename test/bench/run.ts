/**
 * `make bench`: runs every `*.bench.js` beside this file (or those whose name contains an argument),
 * each exporting `run(): Promise<void>` that prints its figures. Benchmarks measure; tests assert.
 */
import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const filters = process.argv.slice(2)
const files = (await readdir(dir)).filter(f => f.endsWith('.bench.js') && (filters.length === 0 || filters.some(x => f.includes(x)))).sort()
let failed = 0
for (const file of files) {
  console.log(`\n== ${file.replace(/\.bench\.js$/, '')}`)
  const started = Date.now()
  try {
    const mod = await import(new URL(file, import.meta.url).href) as { run: () => Promise<void> }
    await mod.run()
  } catch (err) {
    failed++
    console.error(`${file} failed: ${(err as Error).stack ?? String(err)}`)
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`)
}
process.exit(failed === 0 ? 0 : 1)
