import { createHash, randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CONNECT_PATH } from './paths.js'
import { safeReturnTo } from './return-to.js'
import { allowedMessageOrigin, type ConnectSettings } from './settings.js'

/** A connect session (POST /connect/sessions) is valid this long (the pattern of Nango's connect sessions). */
export const CONNECT_SESSION_TTL_MS = 10 * 60 * 1000

/** Connect-session tokens are stored as their SHA-256, never in clear. */
export const connectSessionHash = (token: string): string => createHash('sha256').update(token).digest('base64url')

/** POST /connect/sessions' JSON body (no body, or `null`, is the same as `{}`). */
export type ConnectSessionBody = { returnTo?: unknown, origin?: unknown } | null | undefined

/** The fields the body may have. */
export const CONNECT_SESSION_FIELDS = ['returnTo', 'origin'] as const

type ReadBody =
  | { ok: true, returnTo: string, mode: 'redirect' | 'popup', messageOrigin: string }
  | { ok: false, message: string }

/** Checks a POST /connect/sessions body: the answer for any body, as sent (the route's schema refuses a subset of what this refuses). */
export function readConnectSessionBody (raw: unknown, settings: ConnectSettings): ReadBody {
  const body = raw ?? {}
  if (typeof body !== 'object' || Array.isArray(body)) return { ok: false, message: 'The body must be a JSON object: { "returnTo"?: string, "origin"?: string }.' }
  const fields: Record<string, unknown> = { ...body }
  const unknown = Object.keys(fields).filter(k => !(CONNECT_SESSION_FIELDS as readonly string[]).includes(k))
  if (unknown.length > 0) return { ok: false, message: `Unknown field(s): ${unknown.slice(0, 5).map(k => JSON.stringify(k.slice(0, 40))).join(', ')}; only returnTo and origin are accepted.` }
  const returnTo = safeReturnTo(fields.returnTo, settings.publicOrigin)
  if (returnTo === null) return { ok: false, message: 'returnTo must be a path of this gateway (starting with a single "/").' }
  if (fields.origin === undefined) return { ok: true, returnTo, mode: 'redirect', messageOrigin: settings.publicOrigin }
  if (!allowedMessageOrigin(settings, fields.origin)) return { ok: false, message: 'origin must be this gateway\'s origin or one of ALLOWED_ORIGINS.' }
  return { ok: true, returnTo, mode: 'popup', messageOrigin: fields.origin }
}

/**
 * POST /connect/sessions (bearer JWT; JSON `{ returnTo?, origin? }`): a one-time connect URL,
 * valid 10 minutes, bound to the token's platform user. With `origin` (ours or one of
 * ALLOWED_ORIGINS) the flow runs in popup mode and posts its result there; without it, it
 * redirects to `returnTo` (a page of this gateway) at the end.
 */
export async function createConnectSession (app: FastifyInstance, settings: ConnectSettings, request: FastifyRequest<{ Body: ConnectSessionBody }>, reply: FastifyReply): Promise<FastifyReply> {
  const userId = request.bearerUserId
  if (userId === null) {
    return reply.code(401).header('www-authenticate', 'Bearer').header('cache-control', 'no-store')
      .send({ error: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <JWT> signed by your platform.', reason: 'missing token' })
  }
  // The route validates the body with `attachValidation`: a refused body gets the same answer
  // as any other bad body (readConnectSessionBody refuses whatever the schema refuses), after the 401.
  const read = readConnectSessionBody(request.body, settings)
  if (!read.ok) return reply.code(400).send({ error: 'BAD_USER_INPUT', message: read.message })
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(settings.now() + CONNECT_SESSION_TTL_MS)
  await app.store.createConnectSession({
    tokenHash: connectSessionHash(token),
    userId,
    returnTo: read.returnTo,
    mode: read.mode,
    messageOrigin: read.messageOrigin,
    expiresAt
  })
  request.log.info('connect session created')
  return reply.code(201).header('cache-control', 'no-store').send({
    url: `${settings.config.publicUrl}${CONNECT_PATH}?session=${token}`,
    expiresAt: expiresAt.toISOString()
  })
}
