import { createServer, connect, type Server, type Socket } from 'node:net'
import { once } from 'node:events'

/**
 * A loopback TCP proxy in front of a server (here PostgreSQL), to take "the database" away and
 * give it back without touching the shared server: `down()` cuts every connection and refuses
 * new ones (clients see ECONNRESET / ECONNREFUSED), `up()` listens again on the same port.
 */
export interface TcpProxy {
  port: number
  down: () => Promise<void>
  up: () => Promise<void>
  close: () => Promise<void>
}

export async function startTcpProxy (targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  const listen = async (): Promise<void> => {
    const s = createServer(client => {
      const upstream = connect(targetPort, targetHost)
      for (const sock of [client, upstream]) {
        sockets.add(sock)
        sock.on('close', () => sockets.delete(sock))
        sock.on('error', () => { client.destroy(); upstream.destroy() })
      }
      client.pipe(upstream)
      upstream.pipe(client)
    })
    s.listen(port, '127.0.0.1')
    await once(s, 'listening')
    port = (s.address() as { port: number }).port
    server = s
  }
  const down = async (): Promise<void> => {
    const s = server
    server = undefined
    for (const sock of sockets) sock.destroy()
    if (s !== undefined) await new Promise(resolve => s.close(resolve))
  }
  await listen()
  return {
    get port () { return port },
    down,
    up: listen,
    close: down
  }
}
