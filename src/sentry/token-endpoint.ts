import type { Dispatcher } from 'undici'
import type { Config } from '../config.js'
import type { NewTokens } from '../db/store.js'
import { rateLimited, upstreamError, upstreamTimeout } from '../errors.js'
import type { RequestTelemetry } from '../telemetry/request-context.js'
import type { Signals } from '../telemetry/signals.js'
import { Deadline } from './deadline.js'
import type { UpstreamResponse } from './pipeline.js'
import { readRateLimitHeaders } from './rate-limit.js'
import { parseJson } from './responses.js'
import { type Logger, TransportError, createTransport } from './transport.js'

/**
 * Sentry's token endpoint, POST {SENTRY_URL}/oauth/token/ (docs/sentry.md §2), in one place:
 * the authorization-code exchange of the connect flow and the refresh of stored connections.
 * Both send the client credentials in the form body (the form every Sentry version accepts),
 * never `scope` on a refresh; both go through the pipeline's transport, so both have a body cap
 * (64 KiB: a token response is a few hundred bytes) and a real deadline; neither is retried (a
 * code is single-use, and a refresh rotates both tokens, so a replay after a lost answer fails).
 * Sentry's errors are `{"error": "<code>"}` with no description.
 */

export const TOKEN_PATH = '/oauth/token/'
/** Largest token response read. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024

/** A refresh the authorization server refused with `invalid_grant`: the refresh token is dead. */
export class InvalidGrantError extends Error {
  constructor () {
    super('Sentry refused the refresh token (invalid_grant).')
    this.name = 'InvalidGrantError'
  }
}

/** The parts of Sentry's token response a new connection needs (docs/sentry.md §2, "Success response"). */
export interface ExchangedToken {
  accessToken: string
  refreshToken: string | null
  scopes: string[]
  expiresAt: Date | null
  sentryUser: { id: string, name: string | null, email: string | null }
  scopingOrgId: string | null
}

/**
 * How a code exchange failed, as facts (src/connect/token-failure.ts puts them in words): Sentry's
 * HTTP status and OAuth error when it answered, else what went wrong on the way.
 */
export type TokenExchangeAnswer =
  | { upstreamStatus: number, oauthError: string | null }
  | { transport: 'timeout' | 'unreachable' | 'bad_response' }

/** A failed code exchange (`answer`). Its message never contains the code, a token or a secret. */
export class TokenExchangeError extends Error {
  constructor (readonly answer: TokenExchangeAnswer) {
    super('upstreamStatus' in answer
      ? `Sentry's token endpoint refused the code exchange (HTTP ${answer.upstreamStatus}${answer.oauthError === null ? '' : `, ${answer.oauthError}`})`
      : `The code exchange failed (${answer.transport})`)
    this.name = 'TokenExchangeError'
  }
}

function optionalString (v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null
}

function record (body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? body as Record<string, unknown> : {}
}

/** Sentry's OAuth error code, when it looks like one (never free text). */
export function oauthErrorOf (body: unknown): string | null {
  const error = record(body).error
  return typeof error === 'string' && /^[a-z_]{1,64}$/.test(error) ? error : null
}

/**
 * The token response as JSON → `expires_at` as a Date: from `expires_at` when the field is
 * present (an invalid or null value gives an invalid or epoch Date: "never expires"), else from
 * `expires_in`. This is how simple-oauth2 (the library that did the exchange before) read it.
 */
export function normalizeTokenJson (body: unknown, nowMs: number): Record<string, unknown> {
  const b = { ...record(body) }
  if ('expires_at' in b) {
    b.expires_at = new Date(b.expires_at as string)
  } else if (typeof b.expires_in === 'number') {
    b.expires_at = new Date(nowMs + b.expires_in * 1000)
  }
  return b
}

/**
 * Reads a normalized code-exchange response (`expires_at` a Date). Null when a required field
 * is missing: an access token, the user id, a bearer token type.
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
  // `expires_in: null` means the token never expires.
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

/** Reads a refresh response: `expires_at` preferred, else `expires_in` (docs/sentry.md §2). */
export function tokensFromResponse (body: unknown, nowMs: number): NewTokens {
  const b = record(body)
  const access = b.access_token
  if (typeof access !== 'string' || access === '') {
    throw upstreamError('Sentry answered the token refresh without an access token.')
  }
  const tokenType = b.token_type
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    throw upstreamError('Sentry answered the token refresh with an unexpected token type.')
  }
  let expiresAt: Date | null = null
  const at = typeof b.expires_at === 'string' ? Date.parse(b.expires_at) : Number.NaN
  if (!Number.isNaN(at)) {
    expiresAt = new Date(at)
  } else if (typeof b.expires_in === 'number' && Number.isFinite(b.expires_in) && b.expires_in > 0) {
    expiresAt = new Date(nowMs + b.expires_in * 1000)
  }
  const refresh = typeof b.refresh_token === 'string' && b.refresh_token !== '' ? b.refresh_token : null
  return { accessToken: access, refreshToken: refresh, expiresAt }
}

export interface CodeExchange {
  code: string
  /** The PKCE verifier of this flow (RFC 7636), from the flow's cookie. */
  codeVerifier: string | undefined
  redirectUri: string
}

export interface TokenEndpoint {
  /**
   * grant_type=authorization_code. Answers the raw, normalized response (read it with
   * readTokenResponse); throws TokenExchangeError with the failure in words.
   */
  exchangeCode (input: CodeExchange, deadline: Deadline): Promise<Record<string, unknown>>
  /**
   * grant_type=refresh_token. Throws InvalidGrantError, or a GatewayError for anything else.
   * Without a deadline, one of SENTRY_REQUEST_TIMEOUT_MS, counted on `forRequest` when given.
   */
  refresh (refreshToken: string, options?: RefreshOptions): Promise<NewTokens>
}

export interface RefreshOptions {
  /** The exchange's deadline; by default SENTRY_REQUEST_TIMEOUT_MS from now. */
  deadline?: Deadline
  /** The request the refresh is made for: its access log counts the POST. */
  forRequest?: RequestTelemetry
}

export interface TokenEndpointOptions {
  config: Pick<Config, 'sentryUrl' | 'sentryClientId' | 'sentryClientSecret' | 'upstreamRequestTimeoutMs'>
  dispatcher: Dispatcher
  now?: () => number
  logger?: Logger
  signals?: Signals
}

export function createTokenEndpoint (options: TokenEndpointOptions): TokenEndpoint {
  const { config, logger } = options
  const now = options.now ?? Date.now
  const baseUrl = config.sentryUrl.replace(/\/+$/, '')
  const send = createTransport({
    dispatcher: options.dispatcher,
    requestTimeoutMs: config.upstreamRequestTimeoutMs,
    maxBodyBytes: MAX_TOKEN_RESPONSE_BYTES,
    signals: options.signals,
    logger
  })

  function credentials (): { client_id: string, client_secret: string } {
    if (config.sentryClientId === undefined || config.sentryClientSecret === undefined) {
      throw upstreamError('The gateway has no Sentry OAuth client configured.', { reason: 'NO_OAUTH_CLIENT' })
    }
    return { client_id: config.sentryClientId, client_secret: config.sentryClientSecret }
  }

  async function post (form: Record<string, string>, deadline: Deadline): Promise<UpstreamResponse> {
    return await send({
      method: 'POST',
      template: TOKEN_PATH,
      pathAndQuery: TOKEN_PATH,
      baseUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': 'sentry-graphql-gateway' },
      body: new URLSearchParams(form).toString(),
      deadline
    })
  }

  return {
    async exchangeCode (input, deadline) {
      const form: Record<string, string> = {
        grant_type: 'authorization_code',
        code: input.code,
        redirect_uri: input.redirectUri,
        ...credentials()
      }
      if (input.codeVerifier !== undefined) form.code_verifier = input.codeVerifier
      let res: UpstreamResponse
      try {
        res = await post(form, deadline)
      } catch (err) {
        if (!(err instanceof TransportError)) {
          throw new TokenExchangeError({ transport: 'timeout' })
        }
        const transport = err.kind === 'timeout' || err.kind === 'connect-timeout'
          ? 'timeout'
          : err.kind === 'too-large' ? 'bad_response' : 'unreachable'
        throw new TokenExchangeError({ transport })
      }
      const body = parseJson(res.text)
      if (res.status !== 200) {
        throw new TokenExchangeError({ upstreamStatus: res.status, oauthError: oauthErrorOf(body) })
      }
      if (body === undefined || typeof body !== 'object' || body === null) {
        throw new TokenExchangeError({ transport: 'bad_response' })
      }
      return normalizeTokenJson(body, now())
    },

    async refresh (refreshToken, options = {}) {
      const deadline = options.deadline ?? Deadline.after(config.upstreamRequestTimeoutMs, options.forRequest)
      // Credentials in the form body (works on old and new Sentry); never `scope` (docs/sentry.md §2).
      const form = { grant_type: 'refresh_token', refresh_token: refreshToken, ...credentials() }
      let res: UpstreamResponse
      try {
        res = await post(form, deadline)
      } catch (err) {
        throw err instanceof TransportError ? err.toGatewayError() : err
      }
      const body = parseJson(res.text)
      if (res.status === 200) return tokensFromResponse(body, now())
      const oauthError = oauthErrorOf(body)
      if (oauthError === 'invalid_grant') throw new InvalidGrantError()
      if (oauthError === 'invalid_client') {
        logger?.warn({ path: TOKEN_PATH, status: res.status }, 'sentry rejected the OAuth client credentials')
        throw upstreamError('Sentry rejected the gateway\'s OAuth client credentials.', { reason: 'INVALID_CLIENT' })
      }
      if (res.status === 429) {
        const limits = readRateLimitHeaders(res.headers)
        const wait = limits.resetAtMs === null ? 1000 : limits.resetAtMs - now()
        throw rateLimited(Math.max(1, Math.ceil(wait / 1000)))
      }
      if (res.status === 504) throw upstreamTimeout()
      throw upstreamError('Sentry could not refresh the access token.', { upstreamStatus: res.status })
    }
  }
}
