/**
 * The baseline for `npm run bench`: a raw pass-through proxy. GET /api/0/… is forwarded to
 * UPSTREAM_URL with a fixed Bearer token; the status, content type and body bytes come back
 * untouched. GET /_seq?p=<path>&p=<path>… makes those calls one after another and answers
 * `[body1,body2,…]` (the same upstream work as one GraphQL query that needs several calls).
 * Env: UPSTREAM_URL, UPSTREAM_TOKEN, PORT (0 = any); prints `proxy listening at <url>`.
 */
import { createServer, type ServerResponse } from 'node:http'
import { Agent, request } from 'undici'

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9010'
const headers = { authorization: `Bearer ${process.env.UPSTREAM_TOKEN ?? ''}`, accept: 'application/json' }
const dispatcher = new Agent({ keepAliveTimeout: 10_000 })

async function get (path: string): Promise<{ status: number, type: string, bytes: Buffer }> {
  const res = await request(upstream + path, { headers, dispatcher })
  const bytes = Buffer.from(await res.body.arrayBuffer())
  return { status: res.statusCode, type: String(res.headers['content-type'] ?? 'application/json'), bytes }
}

function send (res: ServerResponse, status: number, type: string, bytes: Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': bytes.length }).end(bytes)
}

const server = createServer((req, res) => {
  const url = req.url ?? '/'
  if (req.method !== 'GET') return send(res, 405, 'text/plain', Buffer.from('GET only'))
  if (url.startsWith('/api/0/')) {
    get(url).then(r => send(res, r.status, r.type, r.bytes), () => send(res, 502, 'text/plain', Buffer.from('upstream failed')))
  } else if (url.startsWith('/_seq?')) {
    const paths = new URLSearchParams(url.slice('/_seq?'.length)).getAll('p').filter(p => p.startsWith('/api/0/'))
    ;(async () => {
      const parts: Buffer[] = []
      for (const p of paths) {
        const r = await get(p)
        if (r.status !== 200) return send(res, r.status, r.type, r.bytes)
        parts.push(parts.length === 0 ? Buffer.from('[') : Buffer.from(','), r.bytes)
      }
      parts.push(Buffer.from(']'))
      send(res, 200, 'application/json', Buffer.concat(parts))
    })().catch(() => send(res, 502, 'text/plain', Buffer.from('upstream failed')))
  } else {
    send(res, 404, 'text/plain', Buffer.from('not found'))
  }
})

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number }
  console.log(`proxy listening at http://127.0.0.1:${port}`)
})
