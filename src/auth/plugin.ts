import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuthMode, Config } from '../config.js'
import { CONNECT_SESSIONS_PATH } from '../connect/paths.js'
import type { JwtVerifier } from './jwt.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** AUTH_MODE: which identities the gateway accepts. */
    authMode: AuthMode
    /** The bearer JWT verifier; null in session mode. */
    jwtVerifier: JwtVerifier | null
  }
}

export interface AuthPluginOptions {
  config: Config
  now?: () => number
}

/** The routes that accept a bearer JWT. Everything else is a browser page, where the cookie is the identity. */
export const BEARER_ROUTES = new Set(['/graphql', CONNECT_SESSIONS_PATH])

/**
 * Platform identities (issuer, user claim) already mapped to their user id. The mapping never
 * changes once made (users are created on first sight and never re-keyed), so after the first
 * request of an identity a bearer request reads nothing but the viewer (src/identity.ts).
 * Bounded: the oldest entry goes first.
 */
const MAX_KNOWN_IDENTITIES = 10_000

const BEARER = /^Bearer +([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*) *$/i

function refuse (request: FastifyRequest, reply: FastifyReply, reason: string): FastifyReply {
  const message = `The bearer token was refused: ${reason}.`
  // RFC 6750 §3: the challenge says why, without echoing anything of the token.
  reply.code(401).header('www-authenticate', `Bearer error="invalid_token", error_description="${reason}"`).header('cache-control', 'no-store')
  if (request.routeOptions.url === '/graphql') {
    return reply.send({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED', reason } }] })
  }
  return reply.send({ error: 'UNAUTHENTICATED', message, reason })
}

/**
 * Bearer JWT identity (issue 13) on /graphql and /connect/sessions, when AUTH_MODE is jwt or
 * both. The token is verified in onRequest, before the body is read or the GraphQL document
 * parsed: a bad token is answered 401 at once, with no database or upstream call and no
 * fallback to the cookie. A good one names the platform user (issuer, user claim), created on
 * first sight.
 */
export default fp(async function authPlugin (app: FastifyInstance, opts: AuthPluginOptions) {
  const { config } = opts
  app.decorate('authMode', config.authMode)
  // jose and the verifier are loaded only when JWTs are accepted: a session-only gateway starts without them.
  const jwt = config.jwt === null ? null : await import('./jwt.js')
  app.decorate('jwtVerifier', config.jwt === null || jwt === null
    ? null
    : jwt.createJwtVerifier(config.jwt, { now: opts.now, onJwksError: (message) => { app.log.warn({ jwksUrl: config.jwt?.jwksUrl }, message) } }))
  app.decorateRequest('bearerUserId', null)
  const verifier = app.jwtVerifier
  if (verifier === null || jwt === null) return
  const { JwtRefusal, refusalReason } = jwt
  const known = new Map<string, string>()
  const userIdOf = async (issuer: string, subject: string): Promise<string> => {
    const key = `${issuer}\u0000${subject}`
    const hit = known.get(key)
    if (hit !== undefined) return hit
    const id = (await app.store.ensureUserByIdentity(issuer, subject)).id
    if (known.size >= MAX_KNOWN_IDENTITIES) known.delete(known.keys().next().value as string)
    known.set(key, id)
    return id
  }

  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS' || !BEARER_ROUTES.has(request.routeOptions.url ?? '')) return
    const header = request.headers.authorization
    if (header === undefined) return
    const match = BEARER.exec(header)
    if (match === null) {
      request.log.info({ reason: 'malformed token' }, 'bearer token refused')
      return refuse(request, reply, 'malformed token')
    }
    const token = match[1] as string
    let user
    try {
      user = await verifier.verify(token)
    } catch (err) {
      const reason = err instanceof JwtRefusal ? err.reason : refusalReason(err)
      // Only the reason is logged: nothing of the token (header, claims or signature).
      request.log.info({ reason }, 'bearer token refused')
      return refuse(request, reply, reason)
    }
    request.bearerUserId = await userIdOf(user.issuer, user.subject)
  })
}, { name: 'auth', dependencies: ['database'] })
