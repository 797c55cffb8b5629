import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'

/** Every file under `dir` with its size and mode, one per line (for failure dumps); never throws. */
export async function listFiles (dir: string): Promise<string> {
  const lines: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name)
      if (entry.isDirectory()) { await walk(p); continue }
      const s = await stat(p).catch(() => undefined)
      lines.push(`  ${path.relative(dir, p)}  ${s?.size ?? '?'} bytes  ${s !== undefined ? (s.mode & 0o777).toString(8) : ''}`)
    }
  }
  try { await walk(dir) } catch (err) { lines.push(`  (${(err as Error).message})`) }
  return lines.length === 0 ? '  (empty)' : lines.join('\n')
}
