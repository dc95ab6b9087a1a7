import type { FastifyRequest } from 'fastify'
import type { Store, UserRecord, ViewerRecord } from './db/store.js'

/**
 * Platform identity, in one place (issue 13). A request is one platform user, from either:
 *  - a bearer JWT (AUTH_MODE=jwt or both): verified in src/auth/plugin.ts before the route runs,
 *    the user being (issuer, user claim); a bad token is refused there with 401 and never falls
 *    back to the cookie;
 *  - the session cookie (AUTH_MODE=session or both, when no Authorization header was sent): the
 *    user id and the user's session generation, so a revoked or rotated cookie is refused.
 * With AUTH_MODE=both the bearer token wins when present.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The user of a verified bearer token (set by the auth plugin), or null. */
    bearerUserId: string | null
  }
}

declare module '@fastify/secure-session' {
  interface SessionData {
    /** The user's session generation when the cookie was issued (missing = 0). */
    gen: number
  }
}

/** The user id the session cookie names (not checked yet), or null. */
function cookieUserId (request: FastifyRequest): string | null {
  if (request.server.authMode === 'jwt') return null
  const id = request.session.get('userId')
  return typeof id === 'string' ? id : null
}

/** Whether the cookie's user is `user`: a cookie-session user, at the cookie's session generation. */
function cookieAccepts (request: FastifyRequest, user: UserRecord | null): boolean {
  if (user === null || user.issuer !== null) return false
  return (request.session.get('gen') ?? 0) === user.sessionGeneration
}

/** The platform user of the session cookie, or null (no cookie, unknown user, revoked or rotated cookie). */
export async function sessionUserId (request: FastifyRequest, store: Store): Promise<string | null> {
  const id = cookieUserId(request)
  if (id === null) return null
  return cookieAccepts(request, await store.getUser(id)) ? id : null
}

/** The platform user of this request: the bearer token's when one was verified, else the cookie's. */
export async function currentUserId (request: FastifyRequest, store: Store): Promise<string | null> {
  if (request.bearerUserId !== null) return request.bearerUserId
  return await sessionUserId(request, store)
}

/**
 * The platform user of this request (as currentUserId decides it) with its connections and
 * access tokens, in one database read (Store.viewer); null when there is no such user.
 */
export async function currentViewer (request: FastifyRequest, store: Store): Promise<ViewerRecord | null> {
  if (request.bearerUserId !== null) return await store.viewer(request.bearerUserId)
  const id = cookieUserId(request)
  if (id === null) return null
  const viewer = await store.viewer(id)
  return viewer !== null && cookieAccepts(request, viewer.user) ? viewer : null
}

/**
 * Signs the browser in as `userId` after a connection was made: the user's session generation
 * is bumped, so every other cookie of this user (one planted by a sibling site, or copied before
 * the connection) stops working, and this browser gets a fresh cookie and CSRF token.
 */
export async function rotateSession (request: FastifyRequest, store: Store, userId: string): Promise<void> {
  const gen = await store.revokeSessions(userId)
  request.session.set('userId', userId)
  request.session.set('gen', gen ?? 0)
  request.session.set('csrfToken', undefined)
}
