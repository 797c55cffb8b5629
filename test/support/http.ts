export interface JsonResponse<T = unknown> {
  status: number
  body: T
  headers: Headers
}

/** A JSON request to a node's API; `token` adds the bearer header. Never throws on 4xx/5xx. */
export async function request<T = unknown> (url: string, options: { method?: string, body?: unknown, rawBody?: string, token?: string, headers?: Record<string, string>, timeoutMs?: number } = {}): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  let body: string | undefined = options.rawBody
  if (options.body !== undefined) body = JSON.stringify(options.body)
  if (body !== undefined) headers['content-type'] ??= 'application/json'
  const res = await fetch(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 10000) })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch { /* not JSON: keep the text */ }
  return { status: res.status, body: parsed as T, headers: res.headers }
}
