import fs from 'node:fs'
import https from 'node:https'

export interface TlsClient {
  /** CA file to verify the server; omitted: the server's certificate is not verified (self-signed health ports). */
  ca?: string
  cert: string
  key: string
}

/** One HTTPS GET with a client certificate; resolves with status and body (never throws on HTTP status). */
export async function httpsGet (url: string, tls: TlsClient, timeoutMs = 5000): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    const req = https.get(url, {
      ca: tls.ca != null ? fs.readFileSync(tls.ca) : undefined,
      rejectUnauthorized: tls.ca != null,
      cert: fs.readFileSync(tls.cert),
      key: fs.readFileSync(tls.key),
      timeout: timeoutMs,
      agent: false
    }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`GET ${url} timed out`)) })
    req.on('error', reject)
  })
}

/** One plain HTTP GET; resolves with status and body. */
export async function httpGet (url: string, timeoutMs = 5000): Promise<{ status: number, body: string }> {
  const ctl = new AbortController()
  const timer = setTimeout(() => { ctl.abort() }, timeoutMs)
  try {
    const res = await fetch(url, { signal: ctl.signal })
    return { status: res.status, body: await res.text() }
  } finally {
    clearTimeout(timer)
  }
}
