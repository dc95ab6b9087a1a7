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
 * https or in production. Decorates `app.sentryOAuth2` at the root so the token refresher can
 * use getNewAccessTokenUsingRefreshToken too.
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

export interface TokenFailure {
  /** Our answer's HTTP status: 400 when the code or request was refused, 424 when Sentry failed. */
  status: 400 | 424
  /** A stable machine-readable code, also posted to the popup opener. */
  code: string
  /** What went wrong, in words. Never contains the code, a token or a secret. */
  message: string
  /** For the log: Sentry's HTTP status and OAuth error, when it answered. */
  upstreamStatus: number | null
  oauthError: string | null
}

interface WreckLikeError {
  isBoom?: boolean
  /** The socket error's code (ECONNREFUSED, ECONNRESET, ENOTFOUND…), copied onto the Boom. */
  code?: unknown
  output?: { statusCode?: number }
  data?: unknown
}

/**
 * Maps a failed token exchange (simple-oauth2 over @hapi/wreck) to words. Wreck throws a Boom
 * error carrying `data.isResponseError` and the parsed body for a 4xx/5xx answer, a 504 Boom
 * on timeout, and a 502 Boom carrying the socket error's `code` when Sentry cannot be reached.
 * Sentry's token errors are `{"error": "<code>"}` with no description (facts.md §2).
 */
export function describeTokenError (err: unknown): TokenFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as WreckLikeError
  const data = (typeof e.data === 'object' && e.data !== null ? e.data : {}) as Record<string, unknown>
  const boomStatus = e.isBoom === true ? e.output?.statusCode ?? null : null
  const res = data.res as { statusCode?: unknown } | undefined
  let upstreamStatus: number | null = null
  let oauthError: string | null = null
  if (data.isResponseError === true && boomStatus !== null) {
    upstreamStatus = boomStatus
    const payload = data.payload as Record<string, unknown> | null
    if (typeof payload === 'object' && payload !== null && typeof payload.error === 'string' && /^[a-z_]{1,64}$/.test(payload.error)) {
      oauthError = payload.error
    }
  } else if (res !== undefined && typeof res.statusCode === 'number') {
    upstreamStatus = res.statusCode
  }

  if (oauthError === 'invalid_grant') {
    return {
      status: 400,
      code: 'invalid_grant',
      upstreamStatus,
      oauthError,
      message: 'Sentry refused the authorization code: it was already used, it expired (codes last 10 minutes), or it belongs to another request. Nothing was stored. Please connect again.'
    }
  }
  if (oauthError === 'invalid_client' || upstreamStatus === 401) {
    return {
      status: 424,
      code: 'invalid_client',
      upstreamStatus,
      oauthError,
      message: 'Sentry did not accept this gateway’s client credentials. Nothing was stored. The administrator should check SENTRY_CLIENT_ID and SENTRY_CLIENT_SECRET against the application registered in Sentry (see Setup).'
    }
  }
  if (upstreamStatus !== null && upstreamStatus >= 400 && upstreamStatus < 500) {
    return {
      status: 400,
      code: 'token_request_refused',
      upstreamStatus,
      oauthError,
      message: `Sentry refused to issue a token (HTTP ${upstreamStatus}${oauthError === null ? '' : `, ${oauthError}`}). Nothing was stored. Please connect again.`
    }
  }
  if (upstreamStatus !== null && upstreamStatus >= 500) {
    return {
      status: 424,
      code: 'sentry_error',
      upstreamStatus,
      oauthError,
      message: `Sentry’s token endpoint failed (HTTP ${upstreamStatus}). Nothing was stored. Please try again in a moment.`
    }
  }
  if (boomStatus === 504) {
    return {
      status: 424,
      code: 'sentry_timeout',
      upstreamStatus,
      oauthError,
      message: 'Sentry’s token endpoint did not answer in time. Nothing was stored. Please try again in a moment.'
    }
  }
  if (boomStatus === 502 && typeof e.code === 'string') {
    return {
      status: 424,
      code: 'sentry_unreachable',
      upstreamStatus,
      oauthError,
      message: 'The gateway could not reach Sentry’s token endpoint. Nothing was stored. Please try again in a moment.'
    }
  }
  return {
    status: 424,
    code: 'bad_token_response',
    upstreamStatus,
    oauthError,
    message: 'Sentry’s answer to the token request could not be understood. Nothing was stored. Please try again.'
  }
}

/** The parts of Sentry's token response the connection needs (facts.md §2, "Success response"). */
export interface ExchangedToken {
  accessToken: string
  refreshToken: string | null
  scopes: string[]
  expiresAt: Date | null
  sentryUser: { id: string, name: string | null, email: string | null }
  scopingOrgId: string | null
}

function optionalString (v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null
}

/**
 * Reads the token response as simple-oauth2 returns it (`expires_at` already parsed into a Date
 * from either `expires_at` or `expires_in`). Null when a required field is missing.
 */
export function readTokenResponse (raw: Record<string, unknown>, requestedScopes: string[]): ExchangedToken | null {
  const accessToken = optionalString(raw.access_token)
  const tokenType = optionalString(raw.token_type)
  const user = raw.user as Record<string, unknown> | null | undefined
  // user.id is a string in Sentry; accept a number too (older servers, other serializers).
  const userId = typeof user?.id === 'string' || typeof user?.id === 'number' ? String(user.id) : null
  // Sentry says "Bearer" now and "bearer" in old code and the docs: compare case-insensitively.
  if (accessToken === null || userId === null || userId === '' || (tokenType !== null && tokenType.toLowerCase() !== 'bearer')) return null
  const scopeRaw = optionalString(raw.scope)
  const at = raw.expires_at
  // `expires_in: null` means the token never expires; simple-oauth2 then yields an invalid Date.
  const expiresAt = at instanceof Date && Number.isFinite(at.getTime()) && at.getTime() > 0 ? at : null
  const org = raw.organization_id
  return {
    accessToken,
    refreshToken: optionalString(raw.refresh_token),
    scopes: scopeRaw === null ? [...requestedScopes] : [...new Set(scopeRaw.split(/\s+/).filter(s => s !== ''))],
    expiresAt,
    sentryUser: { id: userId, name: optionalString(user?.name), email: optionalString(user?.email) },
    scopingOrgId: typeof org === 'string' || typeof org === 'number' ? String(org) : null
  }
}
