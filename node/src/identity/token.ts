import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { IdentityError } from './errors.js'
import { writeSecretFile } from './secret-file.js'

export interface ApiToken {
  token: string
  file: string
  /** True when this call made the token (the CLI says where it is). */
  created: boolean
}

/**
 * The bearer token for mutations and node-to-node sync: from AETHEL_API_TOKEN_FILE (a Kubernetes Secret),
 * or made once in the data directory so a standalone node is never open to writes.
 */
export async function loadOrCreateToken (configured: string | undefined, dataDir: string): Promise<ApiToken> {
  const file = configured ?? path.join(dataDir, 'api-token')
  try {
    const token = (await readFile(file, 'utf8')).trim()
    if (token.length < 16) throw new IdentityError(`${file}: the API token must have at least 16 characters`, file)
    if (/\s/.test(token)) throw new IdentityError(`${file}: the API token must not contain whitespace`, file)
    return { token, file, created: false }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || configured !== undefined) {
      if (err instanceof IdentityError) throw err
      throw new IdentityError(`${file}: cannot read the API token: ${(err as Error).message}`, file)
    }
  }
  const token = randomBytes(32).toString('base64url')
  await writeSecretFile(file, token + '\n')
  return { token, file, created: true }
}
