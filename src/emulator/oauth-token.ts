/**
 * POST /oauth/token/ (docs/sentry.md §2; S:src/sentry/web/frontend/oauth_token.py): form-encoded only,
 * Basic XOR body client credentials, single-use 10-minute codes bound to redirect_uri and PKCE,
 * refresh rotating both tokens in place. Errors are only `{"error": code}`.
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { EmulatorClient } from './types.js'
import { verifyPkce } from './oauth-rules.js'
import { objectOrNothing } from '../http/schemas.js'
import type { EmulatorState } from './state.js'

/** Django's `never_cache`, asserted by Sentry's tests to include no-store. */
const NEVER_CACHE = 'max-age=0, no-cache, no-store, must-revalidate, private'

type Credentials =
  | { kind: 'ok', clientId?: string, clientSecret?: string }
  | { kind: 'conflict' }
  | { kind: 'malformed' }

/** HTTP Basic or form fields, never both; a malformed Basic header (or > 4096 chars) is invalid_client. */
function clientCredentials (header: string | undefined, form: TokenForm): Credentials {
  const inBody = form.client_id !== undefined || form.client_secret !== undefined
  const m = header === undefined ? null : /^basic\s+(.*)$/i.exec(header.trim())
  if (m === null) return { kind: 'ok', clientId: form.client_id, clientSecret: form.client_secret }
  if (inBody) return { kind: 'conflict' }
  const b64 = m[1] ?? ''
  if (b64.length > 4096 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return { kind: 'malformed' }
  const decoded = Buffer.from(b64, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return { kind: 'malformed' }
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    return { kind: 'ok', clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) }
  } catch {
    return { kind: 'malformed' }
  }
}

function secretMatches (client: EmulatorClient, secret: string | undefined): boolean {
  if (secret === undefined) return false
  const a = Buffer.from(client.clientSecret)
  const b = Buffer.from(secret)
  return a.length === b.length && timingSafeEqual(a, b)
}

const TOKEN_FIELDS = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope', 'client_id', 'client_secret'] as const
/** The token request's form fields (docs/sentry.md §2); formBodyOnly keeps the last of a repeated field, as Django's QueryDict.get does. */
type TokenForm = Partial<Record<typeof TOKEN_FIELDS[number], string>>
const TOKEN_FORM = objectOrNothing(Object.fromEntries(TOKEN_FIELDS.map((name) => [name, { type: 'string' }])))

export function registerToken (app: FastifyInstance, state: EmulatorState): void {
  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url: '/oauth/token/',
    handler: async (_request, reply) => reply.code(405).header('Allow', 'POST').header('Cache-Control', NEVER_CACHE).send('')
  })

  app.post<{ Body: TokenForm | null }>('/oauth/token/', { schema: { body: TOKEN_FORM } }, async (request, reply) => {
    reply.header('Cache-Control', NEVER_CACHE)
    const form = request.body ?? {}
    const grantType = form.grant_type
    const fail = (error: string, status = 400): FastifyReply => {
      if (grantType === 'refresh_token') state.counters.refreshFailures++
      if (status === 401) reply.header('WWW-Authenticate', 'Basic realm="oauth"')
      return reply.code(status).send({ error })
    }

    const creds = clientCredentials(request.headers.authorization, form)
    if (creds.kind === 'conflict') return fail('invalid_request')
    if (creds.kind === 'malformed') return fail('invalid_client', 401)
    if (grantType === undefined || grantType === '') return fail('invalid_request')
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') return fail('unsupported_grant_type')
    // "TODO(dcramer): support scope": a scope on refresh is refused.
    if (grantType === 'refresh_token' && (form.refresh_token === undefined || form.refresh_token === '' || form.scope !== undefined)) return fail('invalid_request')

    const client = creds.clientId === undefined ? undefined : state.clients.get(creds.clientId)
    if (client === undefined || !secretMatches(client, creds.clientSecret)) return fail('invalid_client', 401)

    if (grantType === 'refresh_token') {
      const token = state.tokenByRefresh(form.refresh_token ?? '')
      if (token === undefined || token.clientId !== client.clientId) return fail('invalid_grant')
      state.rotate(token)
      state.counters.refreshes++
      return reply.send(state.tokenResponse(token))
    }

    const grant = state.grants.get(form.code ?? '')
    if (grant === undefined || grant.clientId !== client.clientId) return fail('invalid_grant')
    // Single use: the grant is gone after this request, whatever its outcome (RFC 6749 §10.5).
    state.grants.delete(grant.code)
    if (grant.expiresAt <= state.now()) return fail('invalid_grant')
    if (form.redirect_uri !== grant.redirectUri) return fail('invalid_grant')
    if (grant.codeChallenge !== null && !verifyPkce(form.code_verifier, grant.codeChallenge, grant.codeChallengeMethod)) return fail('invalid_grant')
    const token = state.createToken({ clientId: client.clientId, userId: grant.userId, scopes: grant.scopes, orgId: grant.orgId })
    state.counters.tokenExchanges++
    return reply.send(state.tokenResponse(token))
  })
}
