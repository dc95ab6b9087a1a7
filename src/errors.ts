/**
 * Domain errors with stable codes. The same code string appears in GraphQL `extensions.code`
 * and in HTTP error bodies; clients and acceptance checks depend on these names.
 * Messages never contain tokens, upstream bodies or secret-bearing URLs.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'NOT_CONNECTED',
  'RECONNECT_REQUIRED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'DATABASE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR'
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  NOT_CONNECTED: 403,
  RECONNECT_REQUIRED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  UPSTREAM_ERROR: 502,
  UPSTREAM_TIMEOUT: 504,
  DATABASE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500
}

export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  /** Extra, client-safe fields that go into GraphQL `extensions` next to `code`. */
  readonly extensions: Record<string, unknown>

  constructor (code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'GatewayError'
    this.code = code
    this.statusCode = HTTP_STATUS[code]
    this.extensions = extensions
  }
}

export const isGatewayError = (err: unknown): err is GatewayError => err instanceof GatewayError

export const unauthenticated = (message = 'No platform session: sign in first.', extensions: Record<string, unknown> = {}): GatewayError =>
  new GatewayError('UNAUTHENTICATED', message, extensions)

export const notConnected = (what = 'this organization'): GatewayError =>
  new GatewayError('NOT_CONNECTED', `None of your Sentry connections reaches ${what}. Connect to Sentry first.`)

export const reconnectRequired = (connectionId: string, reason: string): GatewayError =>
  new GatewayError('RECONNECT_REQUIRED', `The Sentry connection was revoked (${reason}). Reconnect to Sentry.`, {
    connectionId,
    reconnectUrl: '/connect/sentry'
  })

export const forbidden = (requiredScopes: readonly string[], message?: string): GatewayError =>
  new GatewayError(
    'FORBIDDEN',
    message ?? (requiredScopes.length > 0
      ? `The Sentry connection lacks a scope this needs: one of ${requiredScopes.join(', ')}.`
      : 'Sentry refused this request for the connected user.'),
    { requiredScopes: [...requiredScopes] }
  )

export const rateLimited = (retryAfterSeconds: number): GatewayError =>
  new GatewayError('RATE_LIMITED', `Sentry rate limit reached; retry after ${retryAfterSeconds} s.`, {
    retryAfter: retryAfterSeconds
  })

export const notFound = (what = 'The requested resource'): GatewayError =>
  new GatewayError('NOT_FOUND', `${what} does not exist or is not visible to this connection.`)

export const badUserInput = (message: string, extensions: Record<string, unknown> = {}): GatewayError =>
  new GatewayError('BAD_USER_INPUT', message, extensions)

export const upstreamError = (message = 'Sentry answered with an error.', extensions: Record<string, unknown> = {}): GatewayError =>
  new GatewayError('UPSTREAM_ERROR', message, extensions)

export const upstreamTimeout = (): GatewayError =>
  new GatewayError('UPSTREAM_TIMEOUT', 'Sentry did not answer in time.')

/** The gateway's own database did not answer (down, unreachable, pool exhausted, statement timeout). */
export const databaseUnavailable = (cause?: unknown): GatewayError =>
  new GatewayError('DATABASE_UNAVAILABLE', 'The gateway\'s database is unavailable; retry shortly.', {}, { cause })
