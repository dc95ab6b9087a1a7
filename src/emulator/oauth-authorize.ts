/**
 * GET/POST /oauth/authorize/ and the authorized-applications page (docs/sentry.md §1, §3), after
 * S:src/sentry/web/frontend/oauth_authorize.py. The emulated browser is always signed in as the
 * default user; the consent form carries the request in a signed `tx` field instead of a session.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { PKCE_REGEX, isValidRedirectUri, withQuery } from './oauth-rules.js'
import { authorizedAppsPage, consentPage, oauthErrorPage } from './pages.js'
import { SENTRY_SCOPES } from '../sentry/scopes.js'
import { DEFAULT_USER_ID } from './seed.js'
import { type EmulatorState, GRANT_LIFETIME_MS } from './state.js'
import { queryOf } from './http.js'
import { randomToken } from './util.js'

/** What the consent form carries from GET to POST (Sentry keeps it in the session). */
interface AuthorizeTx {
  clientId: string
  redirectUri: string
  responseType: 'code' | 'token'
  scopes: string[]
  state?: string
  codeChallenge?: string
  codeChallengeMethod?: string
}

function signTx (state: EmulatorState, tx: AuthorizeTx): string {
  const payload = Buffer.from(JSON.stringify(tx)).toString('base64url')
  return `${payload}.${createHmac('sha256', state.txKey).update(payload).digest('base64url')}`
}

function verifyTx (state: EmulatorState, value: string | undefined): AuthorizeTx | undefined {
  const [payload, sig] = (value ?? '').split('.')
  if (payload === undefined || sig === undefined) return undefined
  const expected = Buffer.from(createHmac('sha256', state.txKey).update(payload).digest('base64url'))
  const got = Buffer.from(sig)
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) return undefined
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AuthorizeTx
}

function htmlError (reply: FastifyReply, param: string): FastifyReply {
  return reply.code(400).type('text/html; charset=utf-8').send(oauthErrorPage(param))
}

/** `redirect_response`: error/code and state as query parameters; state left out when none was sent. */
function redirectTo (reply: FastifyReply, uri: string, params: Record<string, string | undefined>): FastifyReply {
  return reply.redirect(withQuery(uri, params), 302)
}

/** Approve: an ApiGrant (code flow) or a token in the fragment (implicit flow, no refresh token). */
function approve (state: EmulatorState, reply: FastifyReply, tx: AuthorizeTx, orgId: string | null): FastifyReply {
  state.authorize({ userId: DEFAULT_USER_ID, clientId: tx.clientId, scopes: new Set(tx.scopes), orgId })
  state.counters.authorizations++
  if (tx.responseType === 'token') {
    const token = state.createToken({ clientId: tx.clientId, userId: DEFAULT_USER_ID, scopes: tx.scopes, orgId })
    const body = state.tokenResponse(token)
    const fragment = new URLSearchParams({ access_token: body.access_token, expires_in: String(body.expires_in), expires_at: body.expires_at, token_type: 'bearer', scope: body.scope })
    if (tx.state !== undefined) fragment.set('state', tx.state)
    return reply.redirect(`${tx.redirectUri.split('#')[0] ?? ''}#${fragment.toString()}`, 302)
  }
  const code = randomToken()
  state.grants.set(code, {
    code,
    clientId: tx.clientId,
    userId: DEFAULT_USER_ID,
    redirectUri: tx.redirectUri,
    scopes: tx.scopes,
    orgId,
    expiresAt: state.now() + GRANT_LIFETIME_MS,
    codeChallenge: tx.codeChallenge ?? null,
    codeChallengeMethod: tx.codeChallengeMethod ?? null
  })
  return redirectTo(reply, tx.redirectUri, { code, state: tx.state })
}

function userOrgs (state: EmulatorState): Array<{ id: string, name: string, slug: string }> {
  return state.data.orgs.filter((o) => state.isMember(o.id, DEFAULT_USER_ID)).map(({ id, name, slug }) => ({ id, name, slug }))
}

/** The consent page's form (consentPage in pages.ts): its fields, as @fastify/formbody parses them. */
interface ConsentForm { tx?: string, op?: string, selected_organization_id?: string }
const CONSENT_FORM = {
  type: 'object',
  properties: { tx: { type: 'string' }, op: { type: 'string' }, selected_organization_id: { type: 'string' } }
}
const REVOKE_FORM = { type: 'object', properties: { client_id: { type: 'string' } } }

export function registerAuthorize (app: FastifyInstance, state: EmulatorState): void {
  app.get('/oauth/authorize/', async (request, reply) => {
    const q = queryOf(request.url)
    const clientId = q.get('client_id')
    const client = clientId === null ? undefined : state.clients.get(clientId)
    // A bad client or redirect_uri never redirects: HTML 400 (oauth-error.html).
    if (client === undefined) return htmlError(reply, 'client_id')
    const given = q.get('redirect_uri')
    let redirectUri: string
    if (given === null || given === '') {
      // Omitted: the single registered URI; with several it is ambiguous (invalid_request).
      if (client.redirectUris.length !== 1) return htmlError(reply, 'redirect_uri')
      redirectUri = client.redirectUris[0] ?? ''
    } else if (!isValidRedirectUri(given, client.redirectUris)) {
      return htmlError(reply, 'redirect_uri')
    } else {
      redirectUri = given
    }
    const responseType = q.get('response_type')
    if (responseType !== 'code' && responseType !== 'token') return htmlError(reply, 'response_type')

    const st = q.get('state') ?? undefined
    const scopes = (q.get('scope') ?? '').split(' ').filter((s) => s !== '')
    if (scopes.some((s) => !SENTRY_SCOPES.has(s))) return redirectTo(reply, redirectUri, { error: 'invalid_scope', state: st })
    const codeChallenge = q.get('code_challenge') ?? undefined
    const codeChallengeMethod = q.get('code_challenge_method') ?? undefined
    if (codeChallenge !== undefined && (!PKCE_REGEX.test(codeChallenge) || codeChallengeMethod !== 'S256')) {
      return redirectTo(reply, redirectUri, { error: 'invalid_request', state: st })
    }
    const tx: AuthorizeTx = { clientId: client.clientId, redirectUri, responseType, scopes, state: st, codeChallenge, codeChallengeMethod }

    // Sentry skips the page for user-level apps when an earlier approval covers every scope.
    const prior = state.authorizations.find((a) => a.userId === DEFAULT_USER_ID && a.clientId === client.clientId && a.orgId === null)
    if (!state.options.orgLevel && q.get('force_prompt') === null && prior !== undefined && scopes.every((s) => prior.scopes.has(s))) {
      return approve(state, reply, tx, null)
    }
    const user = state.data.users.find((u) => u.id === DEFAULT_USER_ID)
    return reply.type('text/html; charset=utf-8').send(consentPage({
      appName: client.name,
      scopes,
      user: { name: user?.name ?? '', email: user?.email ?? '' },
      orgs: state.options.orgLevel ? userOrgs(state) : undefined,
      tx: signTx(state, tx)
    }))
  })

  app.post<{ Body: ConsentForm }>('/oauth/authorize/', { schema: { body: CONSENT_FORM } }, async (request, reply) => {
    const form = request.body
    const tx = verifyTx(state, form.tx)
    if (tx === undefined || !state.clients.has(tx.clientId)) return htmlError(reply, 'client_id')
    if (form.op !== 'approve') return redirectTo(reply, tx.redirectUri, { error: 'access_denied', state: tx.state })
    if (!state.options.orgLevel) return approve(state, reply, tx, null)
    const selected = form.selected_organization_id
    if (selected === undefined || selected === '') return redirectTo(reply, tx.redirectUri, { error: 'invalid_request', state: tx.state })
    const org = userOrgs(state).find((o) => o.id === selected)
    if (org === undefined) return redirectTo(reply, tx.redirectUri, { error: 'unauthorized_client', state: tx.state })
    return approve(state, reply, tx, org.id)
  })

  // The emulator's stand-in for User settings → Authorized Applications (docs/sentry.md §3).
  // Also at Sentry's own path, so the gateway's link works the same against the emulator.
  const authorizedApps = async (_request: unknown, reply: import('fastify').FastifyReply): Promise<unknown> => {
    const apps = state.authorizations
      .filter((a) => a.userId === DEFAULT_USER_ID)
      .map((a) => ({ clientId: a.clientId, name: state.clients.get(a.clientId)?.name ?? a.clientId, scopes: [...a.scopes] }))
    return reply.type('text/html; charset=utf-8').send(authorizedAppsPage(apps))
  }
  app.get('/oauth/authorized-applications/', authorizedApps)
  app.get('/settings/account/authorizations/', authorizedApps)

  app.post<{ Body: { client_id?: string } }>('/oauth/authorized-applications/revoke', { schema: { body: REVOKE_FORM } }, async (request, reply) => {
    const form = request.body
    if (form.client_id !== undefined) state.revoke({ clientId: form.client_id, userId: DEFAULT_USER_ID })
    return reply.redirect('/oauth/authorized-applications/', 303)
  })
}
