import { setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import { Agent, type Dispatcher } from 'undici'
import type { Config } from '../config.js'
import type { NewTokens } from '../db/store.js'
import {
  GatewayError, badUserInput, forbidden, notFound, rateLimited, upstreamError, upstreamTimeout
} from '../errors.js'
import { type ConcurrencyGate, type RateWindows, readRateLimitHeaders, readRetryAfterMs } from './rate-limit.js'
import { type HttpMethod, requiredScopesFor } from './scopes.js'
import { type Signals, noopSignals } from '../telemetry/signals.js'

/**
 * The only module that talks HTTP to Sentry: it owns the undici Agent, builds every URL from a
 * path template copied from openapi.json, attaches the Bearer token, parses JSON and turns
 * responses into GatewayErrors. Resource modules describe calls; they never see a URL or a token.
 * Error messages never carry a token, an upstream body or a URL (errors.ts).
 */

export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number>

export interface CallSpec {
  method: HttpMethod
  /** A path template exactly as in openapi.json, e.g. '/api/0/organizations/{organization_id_or_slug}/issues/'. */
  path: string
  /** Values for the template's `{placeholders}`; each is URL-encoded as one path segment. */
  params?: Record<string, string>
  query?: Record<string, QueryValue>
  /** JSON request body (PUT/POST). */
  body?: unknown
  /** What a 404 names, e.g. 'The issue'. */
  what?: string
  /**
   * 'region' (default) sends calls with an `organization_id_or_slug` to that organization's
   * region; 'control' keeps them on SENTRY_URL (the region lookup itself).
   */
  route?: 'region' | 'control'
  /**
   * Endpoint-specific answers for a final non-2xx response (e.g. the query endpoints pass Sentry's
   * 400 `detail` through, scrubbed); undefined falls back to errorForResponse.
   */
  errors?: (status: number, body: unknown) => GatewayError | undefined
}

export interface AccessToken {
  value: string
  /** The token row's version, so a refresh can tell whether someone else already replaced it. */
  version: number
}

/** Where a call gets its access token. Implemented by the token refresher (or a fixed token). */
export interface TokenSource {
  /** A token to use now: refreshed first when it is inside the refresh window. */
  current (): Promise<AccessToken>
  /** After a 401 "Token expired" / "Invalid token" on `used`: make sure a newer token is stored. */
  afterUnauthorized (used: AccessToken): Promise<void>
}

/** Everything a call needs about the connection it acts for. */
export interface CallContext {
  tokens: TokenSource
  gate: ConcurrencyGate
  windows: RateWindows
  /** The base URL for an organization's calls (its region, or SENTRY_URL). */
  baseUrlFor (org: string): Promise<string>
  /** Told when `baseUrl` could not be reached for `org`, so later calls fall back to SENTRY_URL. */
  baseUrlFailed (org: string, baseUrl: string): void
  /** The scopes the connection was granted, to word a 403 (null when unknown). */
  grantedScopes?: () => Promise<readonly string[] | null>
}

export interface SentryResponse<T> {
  status: number
  data: T
  headers: Record<string, string | string[] | undefined>
}

/** A refresh the authorization server refused with `invalid_grant`: the refresh token is dead. */
export class InvalidGrantError extends Error {
  constructor () {
    super('Sentry refused the refresh token (invalid_grant).')
    this.name = 'InvalidGrantError'
  }
}

export interface SentryHttp {
  /** The app's base URL for Sentry (OAuth and non-org API calls). */
  readonly baseUrl: string
  call<T>(ctx: CallContext, spec: CallSpec): Promise<SentryResponse<T>>
  /** grant_type=refresh_token at `${SENTRY_URL}/oauth/token/` (facts.md §2). Throws InvalidGrantError. */
  refreshTokens (refreshToken: string): Promise<NewTokens>
  close (): Promise<void>
}

export interface Logger {
  debug (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
}

export interface SentryHttpOptions {
  config: Pick<Config, 'sentryUrl' | 'sentryClientId' | 'sentryClientSecret' | 'rateLimitWaitBudgetMs' | 'upstreamConnectTimeoutMs' | 'upstreamRequestTimeoutMs'>
  /** An injected dispatcher is used as is and not closed; otherwise an Agent is created and closed. */
  dispatcher?: Dispatcher
  logger?: Logger
  now?: () => number
  random?: () => number
  /** Largest response body accepted (default 32 MiB). */
  maxBodyBytes?: number
  /** Where upstream exchanges, retries and rate-limit waits are reported (metrics, tracing). */
  signals?: Signals
}

/** GET is retried on these and on connection errors; nothing else is retried blindly. */
const RETRY_STATUSES = new Set([502, 503, 504])
/** Attempts per call for 502/503/504 and connection errors (first try included). */
export const MAX_ATTEMPTS = 3
const BACKOFF_BASE_MS = 100
const BACKOFF_CAP_MS = 1000
/** Rounds of waiting for a rate-limit window before giving up, whatever the budget. */
const MAX_RATE_LIMIT_WAITS = 5
/** Sentry's Reset has one-second resolution and clocks drift: wait a little past it. */
const RESET_MARGIN_MS = 100
const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024

const REFRESHABLE_401 = new Set(['Token expired', 'Invalid token'])

/** Safe messages for 400 `detail` strings Sentry is known to send (facts.md §4). */
const KNOWN_400: Record<string, [string, string]> = {
  'Invalid cursor parameter.': ['The cursor is not valid for this list.', 'cursor'],
  'Invalid per_page value. Cannot exceed 100.': ['The page size must be between 1 and 100.', 'perPage'],
  'Invalid per_page parameter.': ['The page size must be between 1 and 100.', 'perPage']
}

/** SentryAPIException codes (nested `detail`) and what the user can do about them. */
const NESTED_DETAIL: Record<string, string> = {
  'sso-required': 'This organization requires single sign-on: sign in to Sentry through SSO in the browser, then retry.',
  '2fa-required': 'This organization requires two-factor authentication: enable 2FA on your Sentry account, then retry.',
  'sudo-required': 'Sentry asks to re-enter your password (sudo mode) for this action; do it in Sentry, then retry.',
  'member-disabled-over-limit': 'Your membership in this organization is disabled (over the plan\'s member limit).',
  'superuser-required': 'This action requires a Sentry superuser.'
}

type TransportKind = 'timeout' | 'connect-timeout' | 'connect' | 'reset' | 'too-large' | 'other'

export class TransportError extends Error {
  constructor (readonly kind: TransportKind, readonly errorCode: string) {
    super(`upstream transport error ${errorCode}`)
    this.name = 'TransportError'
  }

  /** Was the request possibly received by Sentry? Connect failures mean it was not. */
  get notSent (): boolean {
    return this.kind === 'connect' || this.kind === 'connect-timeout'
  }

  toGatewayError (): GatewayError {
    if (this.kind === 'timeout' || this.kind === 'connect-timeout') return upstreamTimeout()
    if (this.kind === 'reset') return upstreamError('The connection to Sentry was interrupted.', { reason: 'CONNECTION_RESET' })
    if (this.kind === 'too-large') return upstreamError('Sentry\'s answer was too large.', { reason: 'RESPONSE_TOO_LARGE' })
    return upstreamError('Sentry could not be reached.', { reason: 'UNREACHABLE' })
  }
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])

function errorCodeOf (err: unknown): string {
  let e: unknown = err
  for (let i = 0; i < 3 && typeof e === 'object' && e !== null; i++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && code !== '') return code
    e = (e as { cause?: unknown }).cause
  }
  return 'UNKNOWN'
}

/** Sorts a failed exchange: timeouts, connect failures (never sent), resets, and the rest. Exported for tests. */
export function classifyTransportError (err: unknown, timedOut: boolean): TransportError {
  if (timedOut) return new TransportError('timeout', 'REQUEST_TIMEOUT')
  const code = errorCodeOf(err)
  if (code === 'BODY_TOO_LARGE') return new TransportError('too-large', code)
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new TransportError('connect-timeout', code)
  if (TIMEOUT_CODES.has(code)) return new TransportError('timeout', code)
  if (CONNECT_CODES.has(code)) return new TransportError('connect', code)
  if (RESET_CODES.has(code) || code.startsWith('HPE_')) return new TransportError('reset', code)
  return new TransportError('other', /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'UNKNOWN')
}

function isRetryable (err: TransportError, method: HttpMethod): boolean {
  if (err.notSent) return true
  return method === 'GET' && err.kind === 'reset'
}

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g

/** Fills a path template; every value becomes exactly one URL-encoded path segment. */
export function fillPath (template: string, params: Record<string, string> = {}): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    const value = params[name]
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
      throw badUserInput(`A non-empty ${name.replace(/_/g, ' ')} is required.`, { argument: name })
    }
    return encodeURIComponent(value)
  })
}

/** Builds the query string; arrays repeat the key (Sentry's `project=1&project=2`). */
export function buildQuery (query: Record<string, QueryValue> = {}): string {
  const qs = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) {
      for (const v of value as ReadonlyArray<string | number>) qs.append(key, String(v))
    } else {
      qs.append(key, String(value))
    }
  }
  const s = qs.toString()
  return s === '' ? '' : `?${s}`
}

function parseJson (text: string): unknown {
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function firstHeader (headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** `{"detail": "…"}` → the string; `{"detail": {"code": …}}` → the code. */
function detailOf (body: unknown): { text?: string, code?: string } {
  if (typeof body !== 'object' || body === null) return {}
  const detail = (body as { detail?: unknown }).detail
  if (typeof detail === 'string') return { text: detail }
  if (typeof detail === 'object' && detail !== null) {
    const code = (detail as { code?: unknown }).code
    if (typeof code === 'string') return { code }
  }
  return {}
}

/** Field names of a DRF validation error map, when they look like field names (never values). */
function fieldNames (body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return []
  return Object.keys(body).filter(k => /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/.test(k) && k !== 'detail').slice(0, 20)
}

/** Maps a final (non-2xx, non-retried) response to a GatewayError. Never copies the body. */
export function errorForResponse (
  status: number, body: unknown, spec: Pick<CallSpec, 'method' | 'path' | 'what'>, grantedScopes: readonly string[] | null = null
): GatewayError {
  const detail = detailOf(body)
  if (status === 400) {
    const known = detail.text === undefined ? undefined : KNOWN_400[detail.text]
    if (known !== undefined) return badUserInput(known[0], { argument: known[1] })
    const fields = fieldNames(body)
    return fields.length > 0
      ? badUserInput(`Sentry rejected the request: invalid ${fields.join(', ')}.`, { fields })
      : badUserInput('Sentry rejected the request parameters.')
  }
  if (status === 401 || status === 403) {
    if (detail.code !== undefined) {
      const message = NESTED_DETAIL[detail.code]
      return new GatewayError('FORBIDDEN', message ?? 'Sentry refused this request for the connected user.', {
        requiredScopes: [], reason: /^[a-z0-9-]{1,40}$/.test(detail.code) ? detail.code : 'unknown'
      })
    }
    if (status === 401) {
      if (detail.text === 'Unauthorized organization access.' || detail.text === 'This token access is limited to organization endpoints.') {
        return new GatewayError('FORBIDDEN', 'This Sentry connection is limited to another organization.', { requiredScopes: [], reason: 'ORG_SCOPED_TOKEN' })
      }
      if (detail.text === 'User inactive or deleted' || detail.text === 'UserApplication inactive or deleted') {
        return upstreamError('Sentry reports the user or the OAuth application as inactive or deleted.', { reason: 'INACTIVE' })
      }
      return upstreamError('Sentry did not accept the request\'s credentials.', { upstreamStatus: 401 })
    }
    const required = requiredScopesFor(spec.method, spec.path)
    // A 403 also means "the user may not see this object" (facts.md §4): when the connection
    // already holds an accepted scope, more scopes would not help, so say so.
    if (grantedScopes !== null && required.some(s => grantedScopes.includes(s))) {
      return forbidden(required, 'Sentry refused this request: the connected Sentry user has no access to this organization or resource.')
    }
    return forbidden(required)
  }
  if (status === 404) return notFound(spec.what)
  if (status === 504) return upstreamTimeout()
  if (status >= 500) return upstreamError('Sentry answered with a server error.', { upstreamStatus: status })
  return upstreamError(`Sentry refused the request (HTTP ${status}).`, { upstreamStatus: status })
}

function splitBase (baseUrl: string): { origin: string, prefix: string } {
  const u = new URL(baseUrl)
  return { origin: u.origin, prefix: u.pathname.replace(/\/+$/, '') }
}

export function createSentryHttp (options: SentryHttpOptions): SentryHttp {
  const { config } = options
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const logger = options.logger
  const ownAgent = options.dispatcher === undefined
    ? new Agent({
      connect: { timeout: config.upstreamConnectTimeoutMs },
      headersTimeout: config.upstreamRequestTimeoutMs,
      bodyTimeout: config.upstreamRequestTimeoutMs,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      connections: 256
    })
    : undefined
  const dispatcher: Dispatcher = options.dispatcher ?? (ownAgent as Agent)
  const baseUrl = config.sentryUrl.replace(/\/+$/, '')
  const requestTimeoutMs = config.upstreamRequestTimeoutMs
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const signals = options.signals ?? noopSignals

  interface Raw { status: number, headers: Record<string, string | string[] | undefined>, text: string }

  /** One HTTP exchange with an overall deadline; logs method, path template, status and duration only. */
  async function exchange (
    base: string, method: HttpMethod, pathAndQuery: string, template: string,
    headers: Record<string, string>, body: string | undefined, attempt = 1
  ): Promise<Raw> {
    const { origin, prefix } = splitBase(base)
    const span = signals.upstreamCall({ method, pathTemplate: template, region: new URL(origin).host, attempt })
    const traced = Object.keys(span.headers).length === 0 ? headers : { ...headers, ...span.headers }
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), requestTimeoutMs)
    const started = performance.now()
    let status: number | undefined
    let failure: string | undefined
    try {
      const res = await dispatcher.request({
        origin, path: prefix + pathAndQuery, method, headers: traced, body, signal: controller.signal
      })
      status = res.statusCode
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length
        if (size > maxBodyBytes) {
          res.body.destroy()
          throw Object.assign(new Error('response too large'), { code: 'BODY_TOO_LARGE' })
        }
        chunks.push(chunk as Buffer)
      }
      span.end({ status: res.statusCode })
      return { status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }
    } catch (err) {
      const transport = classifyTransportError(err, controller.signal.aborted)
      failure = transport.errorCode
      span.end({ status: status ?? null, errorCode: transport.toGatewayError().code })
      throw transport
    } finally {
      clearTimeout(timer)
      logger?.debug({
        method,
        path: template,
        status: status ?? null,
        durationMs: Math.round(performance.now() - started),
        ...(failure === undefined ? {} : { error: failure })
      }, 'sentry upstream call')
    }
  }

  function backoffMs (attempt: number): number {
    return Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt))
  }

  async function call<T> (ctx: CallContext, spec: CallSpec): Promise<SentryResponse<T>> {
    const pathAndQuery = fillPath(spec.path, spec.params) + buildQuery(spec.query)
    const endpoint = `${spec.method} ${spec.path}`
    const org = spec.route === 'control' ? undefined : spec.params?.organization_id_or_slug
    let base = org === undefined ? baseUrl : await ctx.baseUrlFor(org)
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body)
    const started = now()
    let attempt = 1
    let unauthorizedRetried = false
    let rateWaits = 0
    let rateWaitedMs = 0

    const waitForWindow = async (waitMs: number): Promise<void> => {
      const wait = Math.max(0, waitMs) + RESET_MARGIN_MS
      if (rateWaits >= MAX_RATE_LIMIT_WAITS || rateWaitedMs + wait > config.rateLimitWaitBudgetMs) {
        throw rateLimited(Math.max(1, Math.ceil(wait / 1000)))
      }
      rateWaits++
      rateWaitedMs += wait
      signals.rateLimitWait(wait)
      await sleep(wait)
    }
    const mayRetry = (delay: number): boolean =>
      attempt < MAX_ATTEMPTS && now() - started + delay < requestTimeoutMs

    for (;;) {
      const windowWait = ctx.windows.reserve(endpoint)
      if (windowWait > 0) {
        await waitForWindow(windowWait)
        continue
      }
      let raw: Raw
      let token: AccessToken
      const gateFull = ctx.gate.inFlight >= ctx.gate.limit
      const gateStarted = gateFull ? performance.now() : 0
      const release = await ctx.gate.acquire()
      if (gateFull) signals.rateLimitWait(Math.round(performance.now() - gateStarted))
      try {
        token = await ctx.tokens.current()
        const headers: Record<string, string> = { authorization: `Bearer ${token.value}`, accept: 'application/json' }
        if (body !== undefined) headers['content-type'] = 'application/json'
        raw = await exchange(base, spec.method, pathAndQuery, spec.path, headers, body, attempt)
      } catch (err) {
        release()
        if (!(err instanceof TransportError)) throw err
        if (org !== undefined && base !== baseUrl && err.notSent) {
          // The region host is unreachable: SENTRY_URL proxies org-scoped calls to the right region.
          ctx.baseUrlFailed(org, base)
          base = baseUrl
          continue
        }
        const delay = backoffMs(attempt)
        if (isRetryable(err, spec.method) && mayRetry(delay)) {
          attempt++
          signals.upstreamRetry({ method: spec.method, pathTemplate: spec.path })
          await sleep(delay)
          continue
        }
        throw err.toGatewayError()
      } finally {
        release()
      }

      const limits = readRateLimitHeaders(raw.headers)
      ctx.gate.learn(endpoint, limits.concurrentLimit)
      ctx.windows.observe(endpoint, limits, raw.status === 429)

      if (raw.status >= 200 && raw.status < 300) {
        const data = parseJson(raw.text)
        if (data === undefined) throw upstreamError('Sentry answered with a body that is not JSON.')
        return { status: raw.status, data: data as T, headers: raw.headers }
      }
      const errorBody = parseJson(raw.text)
      if (raw.status === 401) {
        const detail = detailOf(errorBody)
        if (detail.text !== undefined && REFRESHABLE_401.has(detail.text)) {
          if (!unauthorizedRetried) {
            unauthorizedRetried = true
            await ctx.tokens.afterUnauthorized(token)
            continue
          }
          // A freshly refreshed token can lag on region replicas (facts.md §2): not a revocation.
          throw upstreamError('Sentry did not accept the refreshed access token yet; retry shortly.', { reason: 'TOKEN_NOT_ACCEPTED' })
        }
      }
      if (raw.status === 429) {
        signals.upstreamRateLimited({ method: spec.method, pathTemplate: spec.path })
        // The 429 body is a bare string and carries no Retry-After; Reset says when to come back.
        const retryAfter = readRetryAfterMs(raw.headers, now())
        const wait = retryAfter ?? (limits.resetAtMs === null ? 1000 : limits.resetAtMs - now())
        await waitForWindow(wait)
        continue
      }
      if (spec.method === 'GET' && RETRY_STATUSES.has(raw.status)) {
        const delay = backoffMs(attempt)
        if (mayRetry(delay)) {
          attempt++
          signals.upstreamRetry({ method: spec.method, pathTemplate: spec.path })
          await sleep(delay)
          continue
        }
      }
      const own = spec.errors?.(raw.status, errorBody)
      if (own !== undefined) throw own
      const granted = raw.status === 403 && ctx.grantedScopes !== undefined ? await ctx.grantedScopes().catch(() => null) : null
      throw errorForResponse(raw.status, errorBody, spec, granted)
    }
  }

  async function refreshTokens (refreshToken: string): Promise<NewTokens> {
    if (config.sentryClientId === undefined || config.sentryClientSecret === undefined) {
      throw upstreamError('The gateway has no Sentry OAuth client configured.', { reason: 'NO_OAUTH_CLIENT' })
    }
    // Credentials in the form body (works on old and new Sentry); never `scope` (facts.md §2).
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: config.sentryClientId,
      client_secret: config.sentryClientSecret
    }).toString()
    let raw: Raw
    try {
      raw = await exchange(baseUrl, 'POST', '/oauth/token/', '/oauth/token/', {
        'content-type': 'application/x-www-form-urlencoded', accept: 'application/json'
      }, form)
    } catch (err) {
      // Never retried: a refresh rotates both tokens, a replay after a lost answer would fail.
      throw (err as TransportError).toGatewayError()
    }
    const body = parseJson(raw.text)
    if (raw.status === 200) return tokensFromResponse(body, now())
    const oauthError = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined
    if (oauthError === 'invalid_grant') throw new InvalidGrantError()
    if (oauthError === 'invalid_client') {
      logger?.warn({ path: '/oauth/token/', status: raw.status }, 'sentry rejected the OAuth client credentials')
      throw upstreamError('Sentry rejected the gateway\'s OAuth client credentials.', { reason: 'INVALID_CLIENT' })
    }
    if (raw.status === 429) {
      const limits = readRateLimitHeaders(raw.headers)
      const wait = limits.resetAtMs === null ? 1000 : limits.resetAtMs - now()
      throw rateLimited(Math.max(1, Math.ceil(wait / 1000)))
    }
    if (raw.status === 504) throw upstreamTimeout()
    throw upstreamError('Sentry could not refresh the access token.', { upstreamStatus: raw.status })
  }

  return {
    baseUrl,
    call,
    refreshTokens,
    async close () {
      if (ownAgent === undefined) return
      // Let in-flight calls finish, but do not hang a shutdown on a stuck upstream.
      const timer = setTimeout(() => { ownAgent.destroy().catch(() => {}) }, 5000)
      try {
        await ownAgent.close()
      } finally {
        clearTimeout(timer)
      }
    }
  }
}

/** Reads an OAuth token response: `expires_at` preferred, else `expires_in` (facts.md §2). */
export function tokensFromResponse (body: unknown, nowMs: number): NewTokens {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
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

/** A header of a response, for callers that need one (e.g. `link`). */
export function responseHeader (res: SentryResponse<unknown>, name: string): string | undefined {
  return firstHeader(res.headers, name)
}
