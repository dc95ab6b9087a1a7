import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** What an incoming x-request-id may look like to be reused: short, printable, no separators that break log parsers. */
const REQUEST_ID = /^[A-Za-z0-9._:@=+/-]{1,128}$/

/**
 * Fastify's genReqId: the caller's `x-request-id` when it is a sane id (a proxy or client
 * correlating its own logs with ours), else a fresh UUID. The id is echoed in the answer's
 * x-request-id and written on every log line of the request (reqId).
 */
export function requestIdFrom (req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}
