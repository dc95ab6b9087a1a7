import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { QueryValue } from '../http/schemas.js'
import { rotateSession } from '../identity.js'
import { Deadline } from '../sentry/deadline.js'
import { TokenExchangeError, readTokenResponse } from '../sentry/token-endpoint.js'
import { clearOAuthCookies, stateCookieName, verifierCookieName } from './cookies.js'
import { takeConnectFlow } from './flow.js'
import { CALLBACK_PATH } from './paths.js'
import { failPage, finishPage } from './result-page.js'
import { safeReturnTo } from './return-to.js'
import type { ConnectSettings } from './settings.js'
import { describeTokenFailure } from './token-failure.js'
import { AUTHORIZE_ERROR_WORDS, SESSION_WORDS, STATE_WORDS } from './words.js'

/** The callback's query (RFC 6749 §4.1.2): `code` and `state`, or `error` (and `error_description`, not shown). */
export interface CallbackQuery {
  code?: QueryValue
  state?: QueryValue
  error?: QueryValue
}

/**
 * GET /oauth/sentry/callback: ends the browser's flow (state checked against the state cookie and
 * the server-side flow), exchanges the code, lists the user's organizations, and stores the
 * connection for the flow's platform user. Every ending is a page (or, in redirect mode, a
 * redirect to the flow's `returnTo`); nothing is stored unless all of it succeeded.
 */
export async function finishConnect (app: FastifyInstance, settings: ConnectSettings, request: FastifyRequest<{ Querystring: CallbackQuery }>, reply: FastifyReply): Promise<FastifyReply> {
  const { config, publicOrigin } = settings
  const { query } = request
  const check = await takeConnectFlow(app.store, request.cookies[stateCookieName(config)], query.state, settings.now())
  if (!check.ok) {
    clearOAuthCookies(reply, config)
    request.log.warn({ reason: check.reason }, 'sentry connect: state check failed')
    return failPage(reply, settings, check.flow, 400, 'invalid_state', `${STATE_WORDS[check.reason]} Nothing was stored. Please connect again.`)
  }
  const { flow } = check
  // What the @fastify/oauth2 state check accepts (src/plugins/sentry-oauth.ts).
  request.sentryConnectFlow = { ...flow, state: check.state }
  if (query.error !== undefined) {
    clearOAuthCookies(reply, config)
    const error = typeof query.error === 'string' && /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'unknown_error'
    if (error === 'access_denied') {
      return failPage(reply, settings, flow, 403, 'access_denied', 'You declined the connection on Sentry, so nothing was connected or stored. You can connect again at any time.')
    }
    return failPage(reply, settings, flow, 400, error, `${AUTHORIZE_ERROR_WORDS[error] ?? `Sentry answered with an error (${error}).`} Nothing was stored.`)
  }
  if (typeof query.code !== 'string' || query.code === '') {
    clearOAuthCookies(reply, config)
    return failPage(reply, settings, flow, 400, 'missing_code', 'Sentry’s answer carried no authorization code. Nothing was stored. Please connect again.')
  }
  /* c8 ignore next 3 -- only a flow started before a restart without credentials gets here */
  if (!app.hasDecorator('sentryOAuth2')) {
    return failPage(reply, settings, flow, 400, 'not_configured', 'This gateway has no Sentry OAuth application configured.')
  }

  // One deadline for the whole callback: the code exchange and the organization listing.
  const deadline = Deadline.after(config.requestTimeoutMs, request.telemetry)
  // @fastify/oauth2 drove the redirect (state, PKCE); the exchange is Sentry's token endpoint
  // module (src/sentry/token-endpoint.ts), with its body cap and this request's deadline.
  const codeVerifier = request.cookies[verifierCookieName(config)]
  clearOAuthCookies(reply, config)
  let raw: Record<string, unknown>
  try {
    raw = await app.sentry.tokenEndpoint.exchangeCode({ code: query.code, codeVerifier, redirectUri: `${config.publicUrl}${CALLBACK_PATH}` }, deadline)
  } catch (err) {
    if (!(err instanceof TokenExchangeError)) throw err
    const failure = describeTokenFailure(err.answer)
    request.log.warn({ upstreamStatus: failure.upstreamStatus, oauthError: failure.oauthError, code: failure.code }, 'sentry connect: token exchange failed')
    return failPage(reply, settings, flow, failure.status, failure.code, failure.message)
  }
  const exchanged = readTokenResponse(raw, config.sentryScopes)
  if (exchanged === null) {
    request.log.warn('sentry connect: token response lacked access_token or user')
    return failPage(reply, settings, flow, 424, 'bad_token_response', 'Sentry’s token response was missing the access token or the user. Nothing was stored. Please try again.')
  }

  let organizations
  try {
    organizations = await app.sentry.discoverOrganizations(exchanged.accessToken, deadline)
  } catch (err) {
    request.log.warn({ code: (err as { code?: unknown }).code }, 'sentry connect: listing organizations failed')
    return failPage(reply, settings, flow, 424, 'organizations_unavailable', 'Sentry issued a token, but listing your organizations with it failed, so nothing was stored. Please try again in a moment.')
  }

  // The connection belongs to the user the flow was started for. A browser without a user gets
  // one now; a cookie flow then rotates the session (fixation), a connect-session flow leaves
  // the browser's cookie alone (the popup's browser is not the platform user's identity).
  let userId = flow.userId
  if (userId !== null && await app.store.getUser(userId) === null) userId = null
  if (userId === null) {
    /* c8 ignore next 3 -- a connect session's user is deleted only by an operator mid-flow */
    if (flow.via === 'connect-session') {
      return failPage(reply, settings, flow, 400, 'invalid_session', `${SESSION_WORDS.invalid_session} Nothing was stored.`)
    }
    userId = (await app.store.createUser()).id
  }
  if (flow.via === 'cookie') await rotateSession(request, app.store, userId)
  const connection = await app.store.saveConnection({
    userId,
    sentryUser: exchanged.sentryUser,
    scopes: exchanged.scopes,
    scopingOrgId: exchanged.scopingOrgId,
    expiresAt: exchanged.expiresAt,
    accessToken: exchanged.accessToken,
    refreshToken: exchanged.refreshToken,
    organizations: organizations.map(o => ({ orgId: String(o.id), slug: o.slug, name: o.name, regionUrl: o.links.regionUrl }))
  })
  request.log.info({ connectionId: connection.id, organizations: connection.organizations.length }, 'sentry connect: connection stored')

  if (flow.mode === 'popup') {
    return finishPage(reply, settings, flow, 200, 'Connected to Sentry', [
      `The gateway can now reach ${connection.organizations.length} Sentry organization(s) for you. This window closes by itself.`
    ], { type: 'sentry-connected', connectionId: connection.id, organizations: connection.organizations.map(o => o.slug) })
  }
  const returnTo = safeReturnTo(flow.returnTo, publicOrigin) ?? '/'
  return reply.header('Cache-Control', 'no-store').redirect(returnTo === '/' ? '/?connected=1' : returnTo, 303)
}
