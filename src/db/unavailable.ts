import { databaseUnavailable } from '../errors.js'
import type { Store } from './store.js'

/**
 * SQLSTATE classes and codes that mean "the database cannot serve us now", not "this query is
 * wrong" (https://www.postgresql.org/docs/current/errcodes-appendix.html): class 08 connection
 * exceptions, 53300 too_many_connections, 57P01–57P03 shutdown / cannot connect now, 57014
 * query_canceled (our statement_timeout).
 */
const UNAVAILABLE_SQLSTATES = new Set(['53300', '57P01', '57P02', '57P03', '57014'])
/** Socket-level failures (node's errno codes). */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
/** node-postgres' own messages for a lost or never-made connection (pg-pool, pg/lib/client.js). */
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'connection timeout',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end on the pool'
]

/** True when `err` (or an error it wraps, e.g. Drizzle's DrizzleQueryError) says the database is unreachable. */
export function isDatabaseUnavailable (err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== 'object') return false
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code))) return true
    const message = (e as { message?: unknown }).message
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some(m => message.includes(m))) return true
  }
  return false
}

/**
 * Wraps every Store method: an unreachable database becomes the typed DATABASE_UNAVAILABLE
 * error (HTTP 503, GraphQL extensions.code) instead of an internal error; other errors pass.
 * The driver's message (which may name the host) stays in `cause` for the log, never the client.
 */
export function guardUnavailable (store: Store): Store {
  return new Proxy(store, {
    get (target, name, receiver) {
      const method: unknown = Reflect.get(target, name, receiver)
      if (typeof method !== 'function') return method
      return async (...args: unknown[]) => {
        try {
          return await method.apply(target, args)
        } catch (err) {
          throw isDatabaseUnavailable(err) ? databaseUnavailable(err) : err
        }
      }
    }
  })
}
