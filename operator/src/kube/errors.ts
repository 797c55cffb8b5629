/** Classify errors of @kubernetes/client-node 2 (ApiException with a numeric `code`). */
export function statusCode (err: unknown): number | undefined {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'number') return (err as { code: number }).code
  return undefined
}
export const isNotFound = (err: unknown): boolean => statusCode(err) === 404
export const isConflict = (err: unknown): boolean => statusCode(err) === 409
export const isAlreadyExists = (err: unknown): boolean => statusCode(err) === 409

/** A short text for logs and Events (the API's Status message when there is one). */
export function errorMessage (err: unknown): string {
  if (err !== null && typeof err === 'object' && 'body' in err) {
    const body = (err as { body: unknown }).body
    if (typeof body === 'string') {
      try { const parsed = JSON.parse(body) as { message?: string }; if (typeof parsed.message === 'string') return parsed.message } catch { return body.slice(0, 500) }
    } else if (body !== null && typeof body === 'object' && 'message' in body) {
      return String((body as { message: unknown }).message)
    }
  }
  return err instanceof Error ? err.message : String(err)
}

export class ConflictRetriesExhaustedError extends Error {
  readonly attempts: number
  constructor (attempts: number, cause: unknown) {
    super(`still conflicting after ${attempts} attempts`, { cause })
    this.name = 'ConflictRetriesExhaustedError'
    this.attempts = attempts
  }
}

/** Run `fn` again (it must re-read what it writes) while the API server answers 409 Conflict. */
export async function retryOnConflict<T> (fn: () => Promise<T>, attempts = 5): Promise<T> {
  let last: unknown
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn()
    } catch (err) {
      if (!isConflict(err)) throw err
      last = err
      await new Promise(resolve => setTimeout(resolve, 10 * 2 ** i))
    }
  }
  throw new ConflictRetriesExhaustedError(attempts, last)
}
