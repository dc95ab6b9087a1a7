/**
 * Serves the example SPA (examples/spa) on its own origin: `npm run example:spa` (PORT 5173 by
 * default, EXAMPLE_PORT to change). It stands for a platform's frontend on another site than the
 * gateway; add its origin to the gateway's ALLOWED_ORIGINS. `startExampleServer` is what the
 * browser test uses.
 */
import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'

const FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js'
}
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8' }

export async function startExampleServer (port: number, host = '127.0.0.1'): Promise<{ url: string, close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const file = FILES[(req.url ?? '/').split('?')[0] as string]
    if (file === undefined || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    readFile(fileURLToPath(new URL(file, import.meta.url))).then(body => {
      res.writeHead(200, { 'content-type': TYPES[file.split('.').pop() as string] as string, 'cache-control': 'no-store' }).end(body)
    }, () => { res.writeHead(500).end() })
  })
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve) })
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`,
    close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) }
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env.EXAMPLE_PORT ?? 5173)
  const { url } = await startExampleServer(port, process.env.EXAMPLE_HOST ?? 'localhost')
  process.stdout.write(`Example SPA on ${url} — add it to the gateway's ALLOWED_ORIGINS.\n`)
}
