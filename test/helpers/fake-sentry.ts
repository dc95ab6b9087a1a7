import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Test } from 'tap'

export type FakeSentryHandler = (req: IncomingMessage, body: string, res: ServerResponse) => void

/**
 * A loopback HTTP server for answers the emulator never gives (failures, odd bodies, slow or huge
 * answers): `handler` sees each request with its whole body. Closed at teardown; returns its URL.
 */
export async function fakeSentry (t: Test, handler: FakeSentryHandler): Promise<string> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => { handler(req, body, res) })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}
