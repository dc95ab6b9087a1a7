import type { FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import type { Config } from '../config.js'
import { finishConnect, type CallbackQuery } from '../connect/callback.js'
import { disconnect, type DisconnectRequest } from '../connect/disconnect.js'
import { CALLBACK_PATH, CONNECT_PATH, CONNECT_SESSIONS_PATH } from '../connect/paths.js'
import { CONNECT_SESSION_FIELDS, createConnectSession, type ConnectSessionBody } from '../connect/sessions.js'
import { connectSettings } from '../connect/settings.js'
import { startConnect, type StartQuery } from '../connect/start.js'
import { QUERY_VALUE, headers, objectOrNothing, querystring } from '../http/schemas.js'

export interface ConnectRoutesOptions {
  config: Config
  now?: () => number
}

/** Popups opened by the landing page must keep their link to it (see security.ts). */
const KEEP_OPENER = { crossOriginOpenerPolicy: { policy: 'unsafe-none' as const } }

/**
 * The connect flow's routes (src/connect/ has the flow itself): GET /connect/sentry starts it,
 * the OAuth callback ends it, POST /connect/sessions issues a one-time link for a bearer user,
 * POST /connections/:id/disconnect deletes a connection from the landing page's form.
 * Every bad input is answered by src/connect/ with the same page or JSON error as before
 * schemas existed: query values are typed as Fastify parses them (a string, or a list when
 * repeated), and the body routes validate with `attachValidation` so their handler answers.
 */
export default async function connectRoutes (app: FastifyInstance, opts: ConnectRoutesOptions): Promise<void> {
  const settings = connectSettings(opts.config, opts.now)
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody)

  app.get<{ Querystring: StartQuery }>(CONNECT_PATH, {
    helmet: KEEP_OPENER,
    schema: { querystring: querystring({ session: QUERY_VALUE, returnTo: QUERY_VALUE, mode: QUERY_VALUE, origin: QUERY_VALUE }) }
  }, async (request, reply) => await startConnect(app, settings, request, reply))

  app.get<{ Querystring: CallbackQuery }>(CALLBACK_PATH, {
    helmet: KEEP_OPENER,
    schema: { querystring: querystring({ code: QUERY_VALUE, state: QUERY_VALUE, error: QUERY_VALUE }) }
  }, async (request, reply) => await finishConnect(app, settings, request, reply))

  if (app.jwtVerifier !== null) {
    app.post<{ Body: ConnectSessionBody }>(CONNECT_SESSIONS_PATH, {
      attachValidation: true,
      schema: {
        // The bearer token is verified before (src/auth/plugin.ts); the handler reads its user.
        headers: headers('authorization'),
        body: objectOrNothing(
          Object.fromEntries(CONNECT_SESSION_FIELDS.map(name => [name, {}])),
          { propertyNames: { enum: CONNECT_SESSION_FIELDS } }
        ),
        response: {
          201: {
            type: 'object',
            required: ['url', 'expiresAt'],
            properties: { url: { type: 'string' }, expiresAt: { type: 'string' } }
          }
        }
      }
    }, async (request, reply) => await createConnectSession(app, settings, request, reply))
  }

  app.post<DisconnectRequest>('/connections/:id/disconnect', {
    attachValidation: true,
    schema: {
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      // The CSRF check (src/connect/csrf.ts) reads these two and the form's `csrf` field.
      headers: headers('sec-fetch-site', 'origin'),
      body: objectOrNothing({ csrf: {} })
    }
  }, async (request, reply) => await disconnect(app, settings, request, reply))
}
