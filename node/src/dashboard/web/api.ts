// The page's HTTP client. Paths are relative so the page also works behind a path prefix.
import type { ApiErrorBody, P2PStatus, SwitchResult, SyncModeSetting, Timeline } from '../../../../packages/contracts/src/node-api.js'

/** A non-2xx answer, carrying the server's `{error: {code, message}}` when it sent one. */
export class ApiError extends Error {
  static readonly NAME = 'ApiError'
  readonly status: number
  readonly code: string

  constructor (status: number, code: string, message: string) {
    super(message)
    this.name = ApiError.NAME
    this.status = status
    this.code = code
  }
}

/** No answer within the deadline, or no connection: the node is not answering. */
export class NoAnswerError extends Error {
  static readonly NAME = 'NoAnswerError'
  constructor (message: string) {
    super(message)
    this.name = NoAnswerError.NAME
  }
}

function isErrorBody (v: unknown): v is ApiErrorBody {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false
  const e = (v as { error: unknown }).error
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
}

async function request<T> (path: string, init: RequestInit, timeoutMs: number): Promise<T> {
  let res: Response
  let body: unknown
  try {
    res = await fetch(path, { ...init, cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) })
    body = await res.json().catch(() => undefined)
  } catch (err) {
    throw new NoAnswerError(err instanceof Error ? err.message : String(err))
  }
  if (!res.ok) {
    if (isErrorBody(body)) throw new ApiError(res.status, body.error.code, body.error.message)
    throw new ApiError(res.status, 'http_error', `${res.status} ${res.statusText}`)
  }
  return body as T
}

export async function fetchStatus (timeoutMs: number): Promise<P2PStatus> {
  return await request<P2PStatus>('api/lattice/p2p/status', { headers: { Accept: 'application/json' } }, timeoutMs)
}

export async function fetchTimeline (timeoutMs: number): Promise<Timeline> {
  return await request<Timeline>('api/lattice/timeline', { headers: { Accept: 'application/json' } }, timeoutMs)
}

export async function switchMode (mode: SyncModeSetting, token: string | undefined, timeoutMs: number): Promise<SwitchResult> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (token !== undefined && token !== '') headers.Authorization = `Bearer ${token}`
  return await request<SwitchResult>(`api/lattice/sync/switch?mode=${encodeURIComponent(mode)}`, { method: 'POST', headers }, timeoutMs)
}
