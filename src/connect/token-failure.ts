import type { TokenExchangeAnswer } from '../sentry/token-endpoint.js'

/** A failed code exchange as the callback answers it: status, code and words. */
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

/** What the connect flow shows for a failed code exchange: Sentry's answer, or how the exchange failed. */
export function describeTokenFailure (answer: TokenExchangeAnswer): TokenFailure {
  const upstreamStatus = 'upstreamStatus' in answer ? answer.upstreamStatus : null
  const oauthError = 'oauthError' in answer ? answer.oauthError : null
  const transport = 'transport' in answer ? answer.transport : null
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
  if (transport === 'timeout') {
    return {
      status: 424,
      code: 'sentry_timeout',
      upstreamStatus,
      oauthError,
      message: 'Sentry’s token endpoint did not answer in time. Nothing was stored. Please try again in a moment.'
    }
  }
  if (transport === 'unreachable') {
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
