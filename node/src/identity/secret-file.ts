import { chmod, mkdir, open, rename } from 'node:fs/promises'
import path from 'node:path'

/**
 * Write a secret (a key, a token) so that a crash at any point leaves either no file or the whole
 * file, never an empty or half-written one that would stop the node from ever starting again: write
 * a temporary file with mode 0600, flush it to disk, then rename it over the target.
 */
export async function writeSecretFile (file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  const handle = await open(tmp, 'w', 0o600)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  // The mode given to open() is masked by the umask; the file must not be readable by others.
  await chmod(tmp, 0o600)
  await rename(tmp, file)
}
