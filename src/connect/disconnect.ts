import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { currentUserId } from '../identity.js'
import { renderMessage } from '../pages/message.js'
import { checkCsrf } from './csrf.js'
import { sendPage } from './result-page.js'
import type { ConnectSettings } from './settings.js'

/** POST /connections/:id/disconnect: the landing page's form (`csrf` field, see csrf.ts). */
export interface DisconnectRequest {
  Params: { id: string }
  /** The form's fields; anything else the form-body or JSON parser produced counts as no token. */
  Body: { csrf?: unknown } | null | undefined
}

const BACK = { continueTo: '/', kind: 'error' as const }

/** The answer when the request is not the gateway's own form in this browser (nothing is changed). */
function refuseDisconnect (request: FastifyRequest, reply: FastifyReply, settings: ConnectSettings, submitted: unknown): FastifyReply | null {
  const failure = checkCsrf(request, settings.publicOrigin, submitted)
  if (failure === null) return null
  request.log.warn({ failure }, 'disconnect refused: CSRF check failed')
  return sendPage(reply, 403, renderMessage({
    ...BACK,
    title: 'Disconnect refused',
    paragraphs: ['This request did not come from the gateway’s own page in this browser, so nothing was changed. Open your connections and use the Disconnect button there.']
  }))
}

/** Deletes one of the browser user's connections, after the CSRF check; 404 page when it is not theirs. */
export async function disconnect (app: FastifyInstance, settings: ConnectSettings, request: FastifyRequest<DisconnectRequest>, reply: FastifyReply): Promise<FastifyReply> {
  const { id } = request.params
  // A body the route's schema refused (attachValidation) carries no token, like a form without one.
  const submitted = request.validationError === undefined ? request.body?.csrf : undefined
  const refused = refuseDisconnect(request, reply, settings, submitted)
  if (refused !== null) return refused
  const userId = await currentUserId(request, app.store)
  const deleted = userId !== null && await app.store.deleteConnection(userId, id)
  if (!deleted) {
    return sendPage(reply, 404, renderMessage({
      ...BACK,
      title: 'No such connection',
      paragraphs: ['That connection does not exist or is not yours; nothing was changed.']
    }))
  }
  request.log.info({ connectionId: id }, 'sentry connection disconnected')
  return reply.redirect('/?disconnected=1', 303)
}
