import { upstreamError } from '../errors.js'
import type { Deadline } from './deadline.js'
import type { Layer, UpstreamRequest, UpstreamResponse } from './pipeline.js'
import { detailOf, parseJson } from './responses.js'

/**
 * Adds the connection's Bearer token, and handles the one 401 that a refresh cures: "Token
 * expired" / "Invalid token" (docs/sentry.md §2–3). Then the token source makes sure a newer
 * token is stored (refreshing unless someone already did) and the call is sent once more. A
 * second such 401 means the refreshed token is not accepted yet (replicas lag): TOKEN_NOT_ACCEPTED,
 * not a revocation. Every other 401 goes back to the caller, which words it (responses.ts).
 */

export interface AccessToken {
  value: string
  /** The token row's version, so a refresh can tell whether someone else already replaced it. */
  version: number
}

/** Where calls get their access token (src/sentry/token-refresher.ts, or a fixed token). */
export interface TokenSource {
  /** A token to use now: refreshed first when it is inside the refresh window. */
  current (deadline: Deadline): Promise<AccessToken>
  /** After a 401 "Token expired" / "Invalid token" on `used`: make sure a newer token is stored. */
  afterUnauthorized (used: AccessToken, deadline: Deadline): Promise<void>
}

const REFRESHABLE_401 = new Set(['Token expired', 'Invalid token'])

function refreshable (res: UpstreamResponse): boolean {
  if (res.status !== 401) return false
  const text = detailOf(parseJson(res.text)).text
  return text !== undefined && REFRESHABLE_401.has(text)
}

function withToken (request: UpstreamRequest, token: AccessToken): UpstreamRequest {
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${token.value}` } }
}

export function authLayer (tokens: TokenSource): Layer {
  return (next) => async (request) => {
    const used = await tokens.current(request.deadline)
    const res = await next(withToken(request, used))
    if (!refreshable(res)) return res
    await tokens.afterUnauthorized(used, request.deadline)
    const again = await next(withToken(request, await tokens.current(request.deadline)))
    if (!refreshable(again)) return again
    // A freshly refreshed token can lag on region replicas (docs/sentry.md §2): not a revocation.
    throw upstreamError('Sentry did not accept the refreshed access token yet; retry shortly.', { reason: 'TOKEN_NOT_ACCEPTED' })
  }
}

/** A token that cannot be refreshed (fresh from the code exchange, not stored yet). */
export function fixedTokenSource (value: string): TokenSource {
  return {
    current: async () => ({ value, version: 0 }),
    afterUnauthorized: async () => {
      throw upstreamError('Sentry did not accept the access token it has just issued.', { reason: 'TOKEN_NOT_ACCEPTED' })
    }
  }
}
