import fp from 'fastify-plugin'
import { hkdfSync } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import secureSession from '@fastify/secure-session'
import type { Config } from '../config.js'
import { rememberOpenedSessions } from './session-memo.js'

declare module '@fastify/secure-session' {
  interface SessionData {
    /** The platform user's id. Never a token: tokens stay in the database. */
    userId: string
  }
}

export const SESSION_COOKIE = 'gateway_session'
/** Over https the cookie is `__Host-` prefixed: Secure, Path=/, no Domain, so a sibling subdomain cannot set it. */
export const HOST_SESSION_COOKIE = '__Host-gateway_session'

export function sessionCookieName (config: Config): string {
  return config.publicUrl.startsWith('https:') ? HOST_SESSION_COOKIE : SESSION_COOKIE
}

/** Derives the 32-byte secure-session key from SESSION_SECRET (any length ≥ 32 characters). */
export function sessionKeyFrom (secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'sentry-graphql-gateway', 'secure-session key v1', 32))
}

/** Cookies are httpOnly, SameSite per SESSION_COOKIE_SAMESITE (lax by default); Secure when PUBLIC_URL is https or in production. */
export function cookieSecure (config: Config): boolean {
  return config.production || config.publicUrl.startsWith('https:')
}

/** How long a session cookie is accepted after it was issued (secure-session's `expiry`, seconds). */
export const SESSION_EXPIRY_SECONDS = 30 * 24 * 3600

export default fp(async function sessionPlugin (app: FastifyInstance, opts: { config: Config }) {
  await app.register(secureSession, {
    key: sessionKeyFrom(opts.config.sessionSecret),
    cookieName: sessionCookieName(opts.config),
    expiry: SESSION_EXPIRY_SECONDS,
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: opts.config.sessionCookieSameSite,
      secure: cookieSecure(opts.config) || opts.config.sessionCookieSameSite === 'none'
    }
  })
  // A cookie value opened once is answered from memory (src/plugins/session-memo.ts).
  rememberOpenedSessions(app, { expirySeconds: SESSION_EXPIRY_SECONDS })
}, { name: 'session', dependencies: ['database'] })
