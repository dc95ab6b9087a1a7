import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

declare module '@fastify/secure-session' {
  interface SessionData {
    /** Per-session token for the server-rendered forms (synchronizer token pattern). */
    csrfToken: string
  }
}

/** The session's CSRF token, created on first use. */
export function csrfToken (request: FastifyRequest): string {
  const existing = request.session.get('csrfToken')
  if (typeof existing === 'string') return existing
  const token = randomBytes(32).toString('base64url')
  request.session.set('csrfToken', token)
  return token
}

export type CsrfFailure = 'cross-site' | 'foreign-origin' | 'bad-token'

/**
 * Checks a state-changing form POST: the browser's Sec-Fetch-Site (when sent) must say
 * same-origin, the Origin header (when sent) must be ours, and the form must carry the
 * session's token. Null when the request passes.
 */
export function checkCsrf (request: FastifyRequest, publicOrigin: string, submitted: unknown): CsrfFailure | null {
  const site = request.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return 'cross-site'
  const origin = request.headers.origin
  if (origin !== undefined && origin !== publicOrigin) return 'foreign-origin'
  const expected = request.session.get('csrfToken')
  if (typeof expected !== 'string' || typeof submitted !== 'string') return 'bad-token'
  const a = Buffer.from(expected)
  const b = Buffer.from(submitted)
  if (a.length !== b.length || !timingSafeEqual(a, b)) return 'bad-token'
  return null
}
