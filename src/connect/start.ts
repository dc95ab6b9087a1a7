import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { QueryValue } from '../http/schemas.js'
import { sessionUserId } from '../identity.js'
import { renderMessage } from '../pages/message.js'
import type { ConnectIntent } from './flow.js'
import { failPage, sendPage } from './result-page.js'
import { safeReturnTo } from './return-to.js'
import { connectSessionHash } from './sessions.js'
import { allowedMessageOrigin, type ConnectSettings } from './settings.js'
import { SESSION_WORDS } from './words.js'

/** GET /connect/sentry's query: a connect link's `session`, or a browser's own `returnTo`, `mode` and `origin`. */
export interface StartQuery {
  session?: QueryValue
  returnTo?: QueryValue
  mode?: QueryValue
  origin?: QueryValue
}

/** What a connect link's token looks like (POST /connect/sessions issues 32 random bytes, base64url). */
const SESSION_TOKEN = /^[A-Za-z0-9_-]{20,128}$/

/**
 * GET /connect/sentry: checks what the browser asked for, keeps it as the flow's intent, and
 * redirects to Sentry's authorization page (@fastify/oauth2 makes the URL and the flow's state).
 */
export async function startConnect (app: FastifyInstance, settings: ConnectSettings, request: FastifyRequest<{ Querystring: StartQuery }>, reply: FastifyReply): Promise<FastifyReply> {
  const { query } = request
  const { publicOrigin } = settings
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
    const taken = typeof query.session === 'string' && SESSION_TOKEN.test(query.session) && app.jwtVerifier !== null
      ? await app.store.takeConnectSession(connectSessionHash(query.session), new Date(settings.now()))
      : { status: 'unknown' as const, session: null }
    const target = taken.session === null ? null : { ...taken.session, via: 'connect-session' as const, expiresAt: taken.session.expiresAt.getTime() }
    if (taken.status !== 'ok') {
      const code = taken.status === 'unknown' ? 'invalid_session' : taken.status === 'used' ? 'session_used' : 'session_expired'
      request.log.warn({ reason: code }, 'sentry connect: connect session refused')
      return failPage(reply, settings, target, 400, code, `${SESSION_WORDS[code]} Nothing was stored.`)
    }
    const session = taken.session
    // In AUTH_MODE=both, a browser signed in (cookie) as another platform user may not carry it.
    const cookieUser = await sessionUserId(request, app.store)
    if (cookieUser !== null && cookieUser !== session.userId) {
      request.log.warn({ reason: 'session_other_user' }, 'sentry connect: connect session refused')
      return failPage(reply, settings, target, 400, 'session_other_user', `${SESSION_WORDS.session_other_user} Nothing was stored.`)
    }
    intent = { returnTo: session.returnTo, mode: session.mode, messageOrigin: session.messageOrigin, userId: session.userId, via: 'connect-session' }
  } else {
    if (app.authMode === 'jwt') {
      return failPage(reply, settings, null, 400, 'session_required', SESSION_WORDS.session_required)
    }
    const returnTo = safeReturnTo(query.returnTo, publicOrigin)
    if (returnTo === null) {
      return failPage(reply, settings, null, 400, 'invalid_return_to', 'The address to return to after connecting is not a page of this gateway, so it was refused.')
    }
    const mode = query.mode
    if (mode !== undefined && mode !== 'popup' && mode !== 'redirect') {
      return failPage(reply, settings, null, 400, 'invalid_mode', 'The connection mode must be "popup" or "redirect".')
    }
    let messageOrigin = publicOrigin
    if (query.origin !== undefined) {
      if (!allowedMessageOrigin(settings, query.origin)) {
        return failPage(reply, settings, null, 400, 'invalid_origin', 'The page that opened this window is not one this gateway may report to.')
      }
      messageOrigin = query.origin
    }
    // No user row yet for a browser that never connected: it is created when the connection is made.
    intent = { returnTo, mode: mode === 'popup' ? 'popup' : 'redirect', messageOrigin, userId: await sessionUserId(request, app.store), via: 'cookie' }
  }
  request.sentryConnectIntent = intent
  const authorizationUri = await app.sentryOAuth2.generateAuthorizationUri(request, reply)
  return reply.header('Cache-Control', 'no-store').redirect(authorizationUri, 302)
}
