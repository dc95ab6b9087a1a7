import type { FastifyReply } from 'fastify'
import { renderMessage, type PopupMessage } from '../pages/message.js'
import type { PendingFlow } from './flow.js'
import { safeReturnTo } from './return-to.js'
import type { ConnectSettings } from './settings.js'

/** An HTML page that is never cached (each one answers one step of one flow). */
export function sendPage (reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status)
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(page)
}

/** The page that ends a flow; in popup mode it also posts the result to the opener. */
export function finishPage (reply: FastifyReply, settings: ConnectSettings, flow: PendingFlow | null, status: number, title: string, paragraphs: string[], message: PopupMessage): FastifyReply {
  return sendPage(reply, status, renderMessage({
    title,
    paragraphs,
    kind: message.type === 'sentry-connected' ? 'ok' : 'error',
    continueTo: safeReturnTo(flow?.returnTo, settings.publicOrigin) ?? '/',
    ...(flow?.mode === 'popup' ? { popup: { message, targetOrigin: flow.messageOrigin } } : {})
  }))
}

/** The page of a flow that failed with `code` (the popup's opener receives the same code and message). */
export function failPage (reply: FastifyReply, settings: ConnectSettings, flow: PendingFlow | null, status: number, code: string, message: string): FastifyReply {
  return finishPage(reply, settings, flow, status, 'Could not connect to Sentry', [message], { type: 'sentry-connect-failed', error: code, message })
}
