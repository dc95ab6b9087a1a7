import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { currentUserId } from '../identity.js'
import { renderHome } from '../pages/home.js'
import { renderSetup } from '../pages/setup.js'
import { registrationValues, sentryAuthorizedApplicationsUrl } from '../pages/registration.js'
import { APP_CSS, CONNECT_JS, POPUP_RESULT_JS } from '../pages/assets.js'
import { csrfToken } from '../connect/csrf.js'
import { QUERY_VALUE, type QueryValue, querystring } from '../http/schemas.js'

export interface PageRoutesOptions {
  config: Config
  now?: () => number
}

const ASSETS: Record<string, { type: string, body: string }> = {
  'app.css': { type: 'text/css; charset=utf-8', body: APP_CSS },
  'connect.js': { type: 'text/javascript; charset=utf-8', body: CONNECT_JS },
  'popup-result.js': { type: 'text/javascript; charset=utf-8', body: POPUP_RESULT_JS }
}

/** GET / (landing page: scopes, Connect, connections), GET /setup/sentry, and /assets/*. */
export default async function pageRoutes (app: FastifyInstance, opts: PageRoutesOptions): Promise<void> {
  const { config } = opts
  const now = opts.now ?? Date.now

  // The notice after a redirect from the connect flow (`?connected=1`) or a disconnect (`?disconnected=1`).
  app.get<{ Querystring: { connected?: QueryValue, disconnected?: QueryValue } }>('/', {
    schema: { querystring: querystring({ connected: QUERY_VALUE, disconnected: QUERY_VALUE }) }
  }, async (request, reply) => {
    // A visit creates no user: the platform user is created when the browser first connects.
    const userId = await currentUserId(request, app.store)
    const connections = userId === null ? [] : await app.store.listConnections(userId)
    const q = request.query
    const page = renderHome({
      scopes: config.sentryScopes,
      connections,
      csrfToken: csrfToken(request),
      authorizedApplicationsUrl: sentryAuthorizedApplicationsUrl(config.sentryUrl),
      oauthConfigured: app.hasDecorator('sentryOAuth2'),
      notice: q.connected === '1' ? 'connected' : q.disconnected === '1' ? 'disconnected' : null,
      now: new Date(now())
    })
    return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(page)
  })

  app.get('/setup/sentry', async (_request, reply) => {
    const page = renderSetup(registrationValues(config), app.hasDecorator('sentryOAuth2'))
    return reply.type('text/html; charset=utf-8').send(page)
  })

  for (const [name, asset] of Object.entries(ASSETS)) {
    app.get(`/assets/${name}`, async (_request, reply) => {
      return reply.header('Cache-Control', 'public, max-age=300').type(asset.type).send(asset.body)
    })
  }
}
