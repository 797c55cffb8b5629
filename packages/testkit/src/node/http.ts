import https from 'node:https'

export interface JsonResponse<T = unknown> {
  status: number
  body: T
  headers: Headers
}

export interface RequestOptions {
  method?: string
  body?: unknown
  rawBody?: string | Uint8Array
  token?: string
  headers?: Record<string, string>
  timeoutMs?: number
  /** CA bundle trusted for an https:// URL (fetch cannot take one, so such requests go through node:https). */
  ca?: Buffer | string
}

/** A JSON request to a node's API; `token` adds the bearer header. Never throws on 4xx/5xx. */
export async function request<T = unknown> (url: string, options: RequestOptions = {}): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  let body: string | Uint8Array<ArrayBuffer> | undefined = typeof options.rawBody === 'string' || options.rawBody === undefined ? options.rawBody : new Uint8Array(options.rawBody)
  if (options.body !== undefined) body = JSON.stringify(options.body)
  if (body !== undefined) headers['content-type'] ??= 'application/json'
  const method = options.method ?? (body === undefined ? 'GET' : 'POST')
  const timeoutMs = options.timeoutMs ?? 10000
  const { status, text, headers: replyHeaders } = options.ca !== undefined && url.startsWith('https:')
    ? await httpsText(url, { method, headers, body, timeoutMs, ca: options.ca })
    : await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) }).then(async res => ({ status: res.status, text: await res.text(), headers: res.headers }))
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch { /* not JSON: keep the text */ }
  return { status, body: parsed as T, headers: replyHeaders }
}

/** One https request trusting `ca`; resolves with the status, body text and headers, rejects on TLS errors. */
export async function httpsText (url: string, o: { method: string, headers: Record<string, string>, body?: string | Uint8Array, timeoutMs: number, ca: Buffer | string }): Promise<{ status: number, text: string, headers: Headers }> {
  return await new Promise((resolve, reject) => {
    const req = https.request(url, { method: o.method, headers: o.headers, ca: o.ca, agent: false, signal: AbortSignal.timeout(o.timeoutMs) }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const h = new Headers()
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v)
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: h })
      })
    })
    req.on('error', reject)
    req.end(o.body)
  })
}
