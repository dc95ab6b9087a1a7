/**
 * A loopback proxy in front of the emulator, for token-endpoint failures the emulator's fault
 * injection does not cover (its faults apply to /api paths only): it records every
 * POST /oauth/token/ and can answer it with a status, drop the socket, or stall.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { once } from 'node:events'
import { request } from 'undici'

export type TokenBehaviour =
  | { kind: 'pass' }
  | { kind: 'status', status: number, body: string, contentType: string }
  | { kind: 'reset' }
  | { kind: 'stall', ms: number }
  /** Hold the request this long, then pass it on (a slow token endpoint). */
  | { kind: 'delay', ms: number }

export interface RecordedTokenRequest {
  headers: IncomingMessage['headers']
  form: Record<string, string>
}

export interface SentryProxy {
  url: string
  tokenRequests: RecordedTokenRequest[]
  /** Applies to the next token request only, then back to 'pass'. */
  nextToken: (b: TokenBehaviour) => void
  close: () => Promise<void>
}

async function readBody (req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

export async function startSentryProxy (upstream: string): Promise<SentryProxy> {
  const tokenRequests: RecordedTokenRequest[] = []
  let behaviour: TokenBehaviour = { kind: 'pass' }
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const path = req.url ?? '/'
      if (req.method === 'POST' && path.startsWith('/oauth/token/')) {
        tokenRequests.push({ headers: req.headers, form: Object.fromEntries(new URLSearchParams(body.toString())) })
        const b = behaviour
        behaviour = { kind: 'pass' }
        if (b.kind === 'status') {
          res.writeHead(b.status, { 'content-type': b.contentType })
          res.end(b.body)
          return
        }
        if (b.kind === 'reset') {
          req.socket.destroy()
          return
        }
        if (b.kind === 'delay') await new Promise(resolve => setTimeout(resolve, b.ms))
        if (b.kind === 'stall') {
          await new Promise(resolve => setTimeout(resolve, b.ms))
          if (!res.destroyed) res.destroy()
          return
        }
      }
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) {
        if (k !== 'host' && k !== 'connection' && k !== 'content-length' && typeof v === 'string') headers[k] = v
      }
      const up = await request(new URL(path, upstream), { method: req.method as 'GET', headers, body: body.length > 0 ? body : undefined })
      const out: Record<string, string | string[]> = {}
      for (const [k, v] of Object.entries(up.headers)) {
        if (v !== undefined && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding' && k !== 'content-length') out[k] = v
      }
      const payload = Buffer.from(await up.body.arrayBuffer())
      res.writeHead(up.statusCode, out)
      res.end(payload)
    })().catch(err => {
      res.writeHead(599, { 'content-type': 'text/plain' })
      res.end(String(err))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    tokenRequests,
    nextToken: b => { behaviour = b },
    close: async () => {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
