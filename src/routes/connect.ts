import { createHash, randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import formbody from '@fastify/formbody'
import type { Config } from '../config.js'
import { currentUserId, rotateSession, sessionUserId } from '../identity.js'
import {
  takeConnectFlow, VERIFIER_COOKIE, STATE_COOKIE, HOST_VERIFIER_COOKIE, HOST_STATE_COOKIE, type ConnectIntent, type PendingFlow
} from '../plugins/sentry-oauth.js'
import { Deadline } from '../sentry/deadline.js'
import { TokenExchangeError, readTokenResponse } from '../sentry/token-endpoint.js'
import { CALLBACK_PATH } from '../pages/registration.js'
import { renderMessage, type PopupMessage } from '../pages/message.js'
import { checkCsrf } from './csrf.js'

export interface ConnectRoutesOptions {
  config: Config
  now?: () => number
}

/**
 * A same-origin path to return to, or null. The decision is made on the raw input, and the raw
 * input is what is returned (never a dot-segment-normalised form of it; only spaces and non-ASCII
 * characters are percent-encoded):
 * - it must start with exactly one "/" (not "//" or "/\\", which browsers read as another host);
 * - it may contain no backslash, no control character, and no dot-segment ("." or "..", also
 *   percent-encoded as %2e), because URL normalisation removes dot-segments: `/..//evil.com`
 *   normalises to `//evil.com`, a protocol-relative URL to another host (RFC 3986 §5.2.4);
 * - resolved against our origin (WHATWG URL), it must stay on that origin and its path must not
 *   start with "//" either; the connect and OAuth endpoints themselves are refused (loops).
 */
export function safeReturnTo (raw: unknown, publicOrigin: string): string | null {
  if (raw === undefined) return '/'
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return null
  if (!raw.startsWith('/') || raw.startsWith('//')) return null
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) return null
  const path = raw.split(/[?#]/, 1)[0] as string
  if (path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) return null
  // Spaces and non-ASCII characters are percent-encoded (a Location header carries ASCII only);
  // this changes no "/", "." or "%", so the path's segments stay as decided above.
  let value: string
  let url: URL
  try {
    value = raw.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c))
    url = new URL(value, publicOrigin)
  } catch {
    return null // a lone surrogate cannot be encoded
  }
  if (url.origin !== publicOrigin || url.pathname.startsWith('//')) return null
  if (url.pathname.startsWith('/connect/') || url.pathname.startsWith('/oauth/')) return null
  return value
}

/** Popups opened by the landing page must keep their link to it (see security.ts). */
const KEEP_OPENER = { crossOriginOpenerPolicy: { policy: 'unsafe-none' as const } }

function sendPage (reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status)
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(page)
}

const STATE_WORDS: Record<'missing' | 'no-flow' | 'mismatch' | 'expired', string> = {
  missing: 'Sentry’s answer carried no state, so it cannot be matched to a connection you started.',
  'no-flow': 'No connection was in progress in this browser: it already finished, or it was started in another browser or session.',
  mismatch: 'Sentry’s answer does not belong to the connection started in this browser.',
  expired: 'The connection took longer than 10 minutes, so it expired.'
}

/** A connect session (POST /connect/sessions) is valid this long (the pattern of Nango's connect sessions). */
export const CONNECT_SESSION_TTL_MS = 10 * 60 * 1000

/** Connect-session tokens are stored as their SHA-256, never in clear. */
export const connectSessionHash = (token: string): string => createHash('sha256').update(token).digest('base64url')

const SESSION_WORDS: Record<'invalid_session' | 'session_used' | 'session_expired' | 'session_other_user' | 'session_required', string> = {
  invalid_session: 'This connect link is not valid: it was not issued by this gateway, or it was altered.',
  session_used: 'This connect link was already used. Links work once; start again from your app.',
  session_expired: 'This connect link expired (links are valid for 10 minutes). Start again from your app.',
  session_other_user: 'This connect link was issued for another user than the one signed in to this browser, so it was refused.',
  session_required: 'On this gateway, connections start from your app: it asks for a connect link (POST /connect/sessions) and opens it.'
}

const AUTHORIZE_ERROR_WORDS: Record<string, string> = {
  invalid_scope: 'Sentry refused one of the requested permissions (invalid_scope). The administrator should check SENTRY_SCOPES.',
  invalid_request: 'Sentry found the request incomplete or malformed (invalid_request).',
  unauthorized_client: 'Sentry does not let this application connect in this way (unauthorized_client).',
  unsupported_response_type: 'Sentry does not support the requested response type (unsupported_response_type).',
  server_error: 'Sentry had an internal error while authorizing (server_error).',
  temporarily_unavailable: 'Sentry is temporarily unavailable (temporarily_unavailable).'
}

export default async function connectRoutes (app: FastifyInstance, opts: ConnectRoutesOptions): Promise<void> {
  const { config } = opts
  const now = opts.now ?? Date.now
  const publicOrigin = new URL(config.publicUrl).origin
  const https = config.publicUrl.startsWith('https:')
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody)

  /** The page that ends a flow; in popup mode it also posts the result to the opener. */
  function finish (reply: FastifyReply, flow: PendingFlow | null, status: number, title: string, paragraphs: string[], message: PopupMessage): FastifyReply {
    return sendPage(reply, status, renderMessage({
      title,
      paragraphs,
      kind: message.type === 'sentry-connected' ? 'ok' : 'error',
      continueTo: safeReturnTo(flow?.returnTo, publicOrigin) ?? '/',
      ...(flow?.mode === 'popup' ? { popup: { message, targetOrigin: flow.messageOrigin } } : {})
    }))
  }

  function fail (reply: FastifyReply, flow: PendingFlow | null, status: number, code: string, message: string): FastifyReply {
    return finish(reply, flow, status, 'Could not connect to Sentry', [message], { type: 'sentry-connect-failed', error: code, message })
  }

  /** The plugin clears its cookies when it exchanges a code; every other ending clears them here. */
  function clearOAuthCookies (reply: FastifyReply): void {
    const names = https ? [HOST_VERIFIER_COOKIE, HOST_STATE_COOKIE] : [VERIFIER_COOKIE, STATE_COOKIE]
    for (const name of names) {
      reply.clearCookie(name, { path: https ? '/' : '/oauth/sentry', secure: https || config.production, httpOnly: true, sameSite: 'lax' })
    }
  }

  app.get('/connect/sentry', { helmet: KEEP_OPENER }, async (request, reply) => {
    const query = request.query as Record<string, unknown>
    if (!app.hasDecorator('sentryOAuth2')) {
      return sendPage(reply, 503, renderMessage({
        title: 'Sentry is not configured',
        paragraphs: ['This gateway has no Sentry OAuth application yet, so it cannot connect. The administrator can find the values to register under Setup.'],
        kind: 'error',
        continueTo: '/setup/sentry',
        continueLabel: 'Setup'
      }))
    }
    let intent: ConnectIntent
    if (query.session !== undefined) {
      // A one-time link from POST /connect/sessions: the flow is for the link's platform user.
      const taken = typeof query.session === 'string' && /^[A-Za-z0-9_-]{20,128}$/.test(query.session) && app.jwtVerifier !== null
        ? await app.store.takeConnectSession(connectSessionHash(query.session), new Date(now()))
        : { status: 'unknown' as const, session: null }
      const target = taken.session === null ? null : { ...taken.session, via: 'connect-session' as const, expiresAt: taken.session.expiresAt.getTime() }
      if (taken.status !== 'ok') {
        const code = taken.status === 'unknown' ? 'invalid_session' : taken.status === 'used' ? 'session_used' : 'session_expired'
        request.log.warn({ reason: code }, 'sentry connect: connect session refused')
        return fail(reply, target, 400, code, `${SESSION_WORDS[code]} Nothing was stored.`)
      }
      const session = taken.session
      // In AUTH_MODE=both, a browser signed in (cookie) as another platform user may not carry it.
      const cookieUser = await sessionUserId(request, app.store)
      if (cookieUser !== null && cookieUser !== session.userId) {
        request.log.warn({ reason: 'session_other_user' }, 'sentry connect: connect session refused')
        return fail(reply, target, 400, 'session_other_user', `${SESSION_WORDS.session_other_user} Nothing was stored.`)
      }
      intent = { returnTo: session.returnTo, mode: session.mode, messageOrigin: session.messageOrigin, userId: session.userId, via: 'connect-session' }
    } else {
      if (app.authMode === 'jwt') {
        return fail(reply, null, 400, 'session_required', SESSION_WORDS.session_required)
      }
      const returnTo = safeReturnTo(query.returnTo, publicOrigin)
      if (returnTo === null) {
        return fail(reply, null, 400, 'invalid_return_to', 'The address to return to after connecting is not a page of this gateway, so it was refused.')
      }
      const mode = query.mode
      if (mode !== undefined && mode !== 'popup' && mode !== 'redirect') {
        return fail(reply, null, 400, 'invalid_mode', 'The connection mode must be "popup" or "redirect".')
      }
      let messageOrigin = publicOrigin
      if (query.origin !== undefined) {
        if (typeof query.origin !== 'string' || (query.origin !== publicOrigin && !config.allowedOrigins.includes(query.origin))) {
          return fail(reply, null, 400, 'invalid_origin', 'The page that opened this window is not one this gateway may report to.')
        }
        messageOrigin = query.origin
      }
      // No user row yet for a browser that never connected: it is created when the connection is made.
      intent = { returnTo, mode: mode === 'popup' ? 'popup' : 'redirect', messageOrigin, userId: await sessionUserId(request, app.store), via: 'cookie' }
    }
    request.sentryConnectIntent = intent
    const authorizationUri = await app.sentryOAuth2.generateAuthorizationUri(request, reply)
    return reply.header('Cache-Control', 'no-store').redirect(authorizationUri, 302)
  })

  app.get(CALLBACK_PATH, { helmet: KEEP_OPENER }, async (request, reply) => {
    const query = request.query as Record<string, unknown>
    const check = await takeConnectFlow(request, app.store, config, now())
    if (!check.ok) {
      clearOAuthCookies(reply)
      request.log.warn({ reason: check.reason }, 'sentry connect: state check failed')
      return fail(reply, check.flow, 400, 'invalid_state', `${STATE_WORDS[check.reason]} Nothing was stored. Please connect again.`)
    }
    const { flow } = check
    if (query.error !== undefined) {
      clearOAuthCookies(reply)
      const error = typeof query.error === 'string' && /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'unknown_error'
      if (error === 'access_denied') {
        return fail(reply, flow, 403, 'access_denied', 'You declined the connection on Sentry, so nothing was connected or stored. You can connect again at any time.')
      }
      return fail(reply, flow, 400, error, `${AUTHORIZE_ERROR_WORDS[error] ?? `Sentry answered with an error (${error}).`} Nothing was stored.`)
    }
    if (typeof query.code !== 'string' || query.code === '') {
      clearOAuthCookies(reply)
      return fail(reply, flow, 400, 'missing_code', 'Sentry’s answer carried no authorization code. Nothing was stored. Please connect again.')
    }
    /* c8 ignore next 3 -- only a flow started before a restart without credentials gets here */
    if (!app.hasDecorator('sentryOAuth2')) {
      return fail(reply, flow, 400, 'not_configured', 'This gateway has no Sentry OAuth application configured.')
    }

    // One deadline for the whole callback: the code exchange and the organization listing.
    const deadline = Deadline.after(config.requestTimeoutMs)
    // @fastify/oauth2 drove the redirect (state, PKCE); the exchange is Sentry's token endpoint
    // module (src/sentry/token-endpoint.ts), with its body cap and this request's deadline.
    const codeVerifier = request.cookies[https ? HOST_VERIFIER_COOKIE : VERIFIER_COOKIE]
    clearOAuthCookies(reply)
    let raw: Record<string, unknown>
    try {
      raw = await app.sentry.tokenEndpoint.exchangeCode({ code: query.code, codeVerifier, redirectUri: `${config.publicUrl}${CALLBACK_PATH}` }, deadline)
    } catch (err) {
      if (!(err instanceof TokenExchangeError)) throw err
      const { failure } = err
      request.log.warn({ upstreamStatus: failure.upstreamStatus, oauthError: failure.oauthError, code: failure.code }, 'sentry connect: token exchange failed')
      return fail(reply, flow, failure.status, failure.code, failure.message)
    }
    const exchanged = readTokenResponse(raw, config.sentryScopes)
    if (exchanged === null) {
      request.log.warn('sentry connect: token response lacked access_token or user')
      return fail(reply, flow, 424, 'bad_token_response', 'Sentry’s token response was missing the access token or the user. Nothing was stored. Please try again.')
    }

    let organizations
    try {
      organizations = await app.sentry.discoverOrganizations(exchanged.accessToken, deadline)
    } catch (err) {
      request.log.warn({ code: (err as { code?: unknown }).code }, 'sentry connect: listing organizations failed')
      return fail(reply, flow, 424, 'organizations_unavailable', 'Sentry issued a token, but listing your organizations with it failed, so nothing was stored. Please try again in a moment.')
    }

    // The connection belongs to the user the flow was started for. A browser without a user gets
    // one now; a cookie flow then rotates the session (fixation), a connect-session flow leaves
    // the browser's cookie alone (the popup's browser is not the platform user's identity).
    let userId = flow.userId
    if (userId !== null && await app.store.getUser(userId) === null) userId = null
    if (userId === null) {
      /* c8 ignore next 3 -- a connect session's user is deleted only by an operator mid-flow */
      if (flow.via === 'connect-session') {
        return fail(reply, flow, 400, 'invalid_session', `${SESSION_WORDS.invalid_session} Nothing was stored.`)
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
      return finish(reply, flow, 200, 'Connected to Sentry', [
        `The gateway can now reach ${connection.organizations.length} Sentry organization(s) for you. This window closes by itself.`
      ], { type: 'sentry-connected', connectionId: connection.id, organizations: connection.organizations.map(o => o.slug) })
    }
    const returnTo = safeReturnTo(flow.returnTo, publicOrigin) ?? '/'
    return reply.header('Cache-Control', 'no-store').redirect(returnTo === '/' ? '/?connected=1' : returnTo, 303)
  })

  if (app.jwtVerifier !== null) {
    /**
     * POST /connect/sessions (bearer JWT; JSON `{ returnTo?, origin? }`): a one-time connect URL,
     * valid 10 minutes, bound to the token's platform user. With `origin` (ours or one of
     * ALLOWED_ORIGINS) the flow runs in popup mode and posts its result there; without it, it
     * redirects to `returnTo` (a page of this gateway) at the end.
     */
    app.post('/connect/sessions', async (request, reply) => {
      const userId = request.bearerUserId
      if (userId === null) {
        return reply.code(401).header('www-authenticate', 'Bearer').header('cache-control', 'no-store')
          .send({ error: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <JWT> signed by your platform.', reason: 'missing token' })
      }
      const body = request.body ?? {}
      const bad = (message: string): FastifyReply => reply.code(400).send({ error: 'BAD_USER_INPUT', message })
      if (typeof body !== 'object' || Array.isArray(body)) return bad('The body must be a JSON object: { "returnTo"?: string, "origin"?: string }.')
      const fields = body as Record<string, unknown>
      const unknown = Object.keys(fields).filter(k => k !== 'returnTo' && k !== 'origin')
      if (unknown.length > 0) return bad(`Unknown field(s): ${unknown.slice(0, 5).map(k => JSON.stringify(k.slice(0, 40))).join(', ')}; only returnTo and origin are accepted.`)
      const returnTo = safeReturnTo(fields.returnTo, publicOrigin)
      if (returnTo === null) return bad('returnTo must be a path of this gateway (starting with a single "/").')
      let messageOrigin = publicOrigin
      if (fields.origin !== undefined) {
        if (typeof fields.origin !== 'string' || (fields.origin !== publicOrigin && !config.allowedOrigins.includes(fields.origin))) {
          return bad('origin must be this gateway\'s origin or one of ALLOWED_ORIGINS.')
        }
        messageOrigin = fields.origin
      }
      const token = randomBytes(32).toString('base64url')
      const expiresAt = new Date(now() + CONNECT_SESSION_TTL_MS)
      await app.store.createConnectSession({
        tokenHash: connectSessionHash(token),
        userId,
        returnTo,
        mode: fields.origin === undefined ? 'redirect' : 'popup',
        messageOrigin,
        expiresAt
      })
      request.log.info('connect session created')
      return reply.code(201).header('cache-control', 'no-store').send({
        url: `${config.publicUrl}/connect/sentry?session=${token}`,
        expiresAt: expiresAt.toISOString()
      })
    })
  }

  app.post('/connections/:id/disconnect', async (request, reply) => {
    const { id } = request.params as { id: string }
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>
    const back = { continueTo: '/', kind: 'error' as const }
    const failure = checkCsrf(request, publicOrigin, body.csrf)
    if (failure !== null) {
      request.log.warn({ failure }, 'disconnect refused: CSRF check failed')
      return sendPage(reply, 403, renderMessage({
        ...back,
        title: 'Disconnect refused',
        paragraphs: ['This request did not come from the gateway’s own page in this browser, so nothing was changed. Open your connections and use the Disconnect button there.']
      }))
    }
    const userId = await currentUserId(request, app.store)
    const deleted = userId !== null && await app.store.deleteConnection(userId, id)
    if (!deleted) {
      return sendPage(reply, 404, renderMessage({
        ...back,
        title: 'No such connection',
        paragraphs: ['That connection does not exist or is not yours; nothing was changed.']
      }))
    }
    request.log.info({ connectionId: id }, 'sentry connection disconnected')
    return reply.redirect('/?disconnected=1', 303)
  })
}
