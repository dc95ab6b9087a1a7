import {
  GatewayError, badUserInput, forbidden, notFound, upstreamError, upstreamTimeout
} from '../errors.js'
import { type HttpMethod, requiredScopesFor } from './scopes.js'

/**
 * What Sentry's answers mean: JSON bodies, `detail` strings and codes, and the mapping of a
 * final non-2xx response to a GatewayError. Messages never copy an upstream body (errors.ts).
 */

/** Safe messages for 400 `detail` strings Sentry is known to send (docs/sentry.md §4). */
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

export function parseJson (text: string): unknown {
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** `{"detail": "…"}` → the string; `{"detail": {"code": …}}` → the code. */
export function detailOf (body: unknown): { text?: string, code?: string } {
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
  status: number, body: unknown, spec: { method: HttpMethod, path: string, what?: string }, grantedScopes: readonly string[] | null = null
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
    // A 403 also means "the user may not see this object" (docs/sentry.md §4): when the connection
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
