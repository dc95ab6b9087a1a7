import fp from 'fastify-plugin'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { fastifyOauth2, type OAuth2Namespace } from '@fastify/oauth2'
import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import { cookieSecure } from './session.js'
import { CALLBACK_PATH } from '../pages/registration.js'

/** What the user asked for when starting the flow; kept server-side across the round trip. */
export interface ConnectIntent {
  /** A validated same-origin path to land on afterwards. */
  returnTo: string
  mode: 'redirect' | 'popup'
  /** Popup mode: the one origin the result may be posted to (ours, or one of ALLOWED_ORIGINS). */
  messageOrigin: string
  /**
   * The platform user the connection is for: a connect session's (bearer) user, the session
   * cookie's user, or null for a browser with no user yet (created when the connection is made).
   */
  userId: string | null
  /** `connect-session`: started from POST /connect/sessions, the browser's cookie is left alone. */
  via: 'cookie' | 'connect-session'
}

/** A started flow: the intent plus the single-use state, bound to this browser (state cookie) and kept server-side. */
export interface PendingFlow extends ConnectIntent {
  /** Epoch ms; Sentry's authorization codes live 10 minutes (docs/sentry.md §1), so does the state. */
  expiresAt: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** @fastify/oauth2 for Sentry; present only when SENTRY_CLIENT_ID/SECRET are configured. */
    sentryOAuth2: OAuth2Namespace
  }
  interface FastifyRequest {
    /** Set by GET /connect/sentry before the authorization URL is generated. */
    sentryConnectIntent: ConnectIntent | null
    /** Set by takeConnectFlow when the callback's state matched the session. */
    sentryConnectFlow: (PendingFlow & { state: string }) | null
  }
}

export const FLOW_TTL_MS = 10 * 60 * 1000
export const VERIFIER_COOKIE = 'sentry-oauth-verifier'
export const STATE_COOKIE = 'sentry-oauth-state'
/** The plugin's own names over https (`hostPrefixedCookies`). */
export const HOST_VERIFIER_COOKIE = '__Host-oauth2-code-verifier'
export const HOST_STATE_COOKIE = '__Host-oauth2-redirect-state'

export interface SentryOAuthPluginOptions {
  config: Config
  now?: () => number
}

function sameSecret (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export type FlowCheck =
  | { ok: true, flow: PendingFlow }
  | { ok: false, reason: 'missing' | 'no-flow' | 'mismatch' | 'expired', flow: PendingFlow | null }

/** Flows are stored under the SHA-256 of their state, never the state itself. */
export const stateHash = (state: string): string => createHash('sha256').update(state).digest('base64url')

/** The name of @fastify/oauth2's state cookie (`__Host-` prefixed over https). */
export function stateCookieName (config: Config): string {
  return config.publicUrl.startsWith('https:') ? '__Host-oauth2-redirect-state' : STATE_COOKIE
}

/**
 * Ends this browser's pending flow and checks the callback's `state` against it. The flow is
 * named by the state cookie @fastify/oauth2 set when it started (so it is bound to this
 * browser) and kept server-side; it is deleted here whatever the outcome, so a state is
 * single-use even when an earlier copy of the cookies is replayed. On success the flow is put
 * on the request, which is what the @fastify/oauth2 state check then accepts.
 */
export async function takeConnectFlow (request: FastifyRequest, store: Store, config: Config, now: number): Promise<FlowCheck> {
  request.sentryConnectFlow = null
  const cookieState = request.cookies[stateCookieName(config)]
  const taken = typeof cookieState === 'string' && cookieState !== '' ? await store.takeConnectFlow(stateHash(cookieState)) : null
  const flow: PendingFlow | null = taken === null
    ? null
    : { ...taken, via: taken.via, expiresAt: taken.expiresAt.getTime() }
  const state = (request.query as Record<string, unknown>).state
  if (typeof state !== 'string' || state === '') return { ok: false, reason: 'missing', flow }
  if (flow === null || typeof cookieState !== 'string') return { ok: false, reason: 'no-flow', flow }
  if (!sameSecret(state, cookieState)) return { ok: false, reason: 'mismatch', flow }
  if (flow.expiresAt <= now) return { ok: false, reason: 'expired', flow }
  request.sentryConnectFlow = { ...flow, state }
  return { ok: true, flow }
}

/**
 * @fastify/oauth2 configured for Sentry: authorization code with PKCE S256, client credentials
 * in the form body (the only form every Sentry version accepts, docs/sentry.md §2), state in
 * the plugin's cookie (binds the browser) and server-side (single-use, see takeConnectFlow). The PKCE
 * verifier travels in the plugin's httpOnly, SameSite=Lax cookie, Secure when PUBLIC_URL is
 * https or in production. It drives the redirect only: the code exchange and the refresh go to
 * Sentry's token endpoint through src/sentry/token-endpoint.ts (body cap, deadline, one parser).
 */
export default fp(async function sentryOAuthPlugin (app: FastifyInstance, opts: SentryOAuthPluginOptions) {
  const { config } = opts
  const now = opts.now ?? Date.now
  const publicOrigin = new URL(config.publicUrl).origin
  app.decorateRequest('sentryConnectIntent', null)
  app.decorateRequest('sentryConnectFlow', null)

  if (config.sentryClientId === undefined || config.sentryClientSecret === undefined) {
    app.log.warn('SENTRY_CLIENT_ID/SENTRY_CLIENT_SECRET are not set: connecting to Sentry is disabled; see /setup/sentry.')
    return
  }

  const https = config.publicUrl.startsWith('https:')
  await app.register(fastifyOauth2, {
    name: 'sentryOAuth2',
    credentials: {
      client: { id: config.sentryClientId, secret: config.sentryClientSecret },
      auth: {
        authorizeHost: config.sentryUrl,
        authorizePath: '/oauth/authorize/',
        tokenHost: config.sentryUrl,
        tokenPath: '/oauth/token/'
      },
      options: { authorizationMethod: 'body', bodyFormat: 'form' },
      http: { timeout: config.upstreamRequestTimeoutMs }
    },
    scope: config.sentryScopes,
    callbackUri: `${config.publicUrl}${CALLBACK_PATH}`,
    pkce: 'S256',
    userAgent: 'sentry-graphql-gateway',
    // __Host- names need a secure origin; over http (local development) plain names are used.
    hostPrefixedCookies: https,
    ...(https ? {} : { verifierCookieName: VERIFIER_COOKIE, redirectStateCookieName: STATE_COOKIE }),
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: cookieSecure(config),
      // Only the callback reads them (a __Host- cookie is forced to Path=/ by the plugin).
      path: '/oauth/sentry'
    },
    async generateStateFunction (request: FastifyRequest): Promise<string> {
      const intent: ConnectIntent = request.sentryConnectIntent ?? { returnTo: '/', mode: 'redirect', messageOrigin: publicOrigin, userId: null, via: 'cookie' }
      const state = randomBytes(32).toString('base64url')
      await app.store.saveConnectFlow({ ...intent, stateHash: stateHash(state), expiresAt: new Date(now() + FLOW_TTL_MS) })
      return state
    },
    checkStateFunction (request: FastifyRequest): boolean {
      const flow = request.sentryConnectFlow
      const state = (request.query as Record<string, unknown>).state
      return flow !== null && typeof state === 'string' && sameSecret(state, flow.state)
    }
  })
}, { name: 'sentry-oauth', dependencies: ['session', 'database'] })
