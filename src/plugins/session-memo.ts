import type { FastifyInstance } from 'fastify'

/**
 * Opened session cookies, remembered by their exact value.
 *
 * @fastify/secure-session opens the cookie on every request: two base64 decodes, an
 * XSalsa20-Poly1305 open (sodium) and a JSON.parse, ~5 µs in a loop on the benchmark's machine,
 * and the benchmark's gateway with a bearer JWT (no cookie) cost 6–11 % less CPU per projects
 * request than with the cookie (README "Benchmarks"). Its request hook opens the cookie through
 * the instance's `decodeSecureSession` decorator, so that decorator is wrapped here: a cookie
 * value opened once is answered from memory, with a fresh session object per request.
 *
 * Why this is the same answer: the value is the ciphertext with its nonce, so the same value
 * always opens to the same data with the same keys; what is remembered is a copy of the data as
 * opened (a request that changes its session changes its own copy). The expiry is checked on
 * every answer with the library's rule and clock; past it, the library decides again (and says
 * no). A cookie opened with an older key (`changed`, re-sealed with the current key on the way
 * out) is answered the same way. A cookie that does not open is not remembered.
 *
 * Revocation does not depend on this: a cookie names a user and a session generation, which
 * src/identity.ts checks against the database on every request.
 */

/** Cookie values remembered at once; the oldest is dropped beyond. */
export const DEFAULT_MAX_OPENED_SESSIONS = 1024

interface Opened {
  /** The session's data as opened, `__ts` (its issue time, epoch seconds) included. */
  data: Record<string, unknown>
  /** Opened with a key other than the first (secure-session then re-seals it). */
  changed: boolean
}

export interface SessionMemoOptions {
  /** secure-session's `expiry` (seconds), the same number it was registered with. */
  expirySeconds: number
  max?: number
  /** The session name the memo serves (secure-session's default, 'session'). */
  sessionName?: string
}

export function rememberOpenedSessions (app: FastifyInstance, options: SessionMemoOptions): void {
  const open = app.decodeSecureSession
  const max = options.max ?? DEFAULT_MAX_OPENED_SESSIONS
  const sessionName = options.sessionName ?? 'session'
  const expiryMs = options.expirySeconds * 1000
  const opened = new Map<string, Opened>()

  app.decodeSecureSession = function decodeRemembered (cookie, log, name) {
    if (cookie === undefined || (name !== undefined && name !== sessionName)) return open(cookie, log, name)
    const hit = opened.get(cookie)
    if (hit !== undefined) {
      // secure-session's own rule: expired once (__ts + expiry) * 1000 - Date.now() <= 0.
      if ((hit.data.__ts as number) * 1000 + expiryMs - Date.now() > 0) {
        const session = app.createSecureSession({ ...hit.data })
        session.changed = hit.changed
        return session
      }
      opened.delete(cookie)
      return open(cookie, log, name)
    }
    const session = open(cookie, log, name)
    if (session === null) return null
    if (opened.size >= max) opened.delete(opened.keys().next().value as string)
    opened.set(cookie, { data: { ...session.data(), __ts: session.get('__ts') }, changed: session.changed })
    return session
  }
}
