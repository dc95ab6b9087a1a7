/**
 * One HTTP listener of the emulator. The main listener serves OAuth (control silo, docs/sentry.md §1),
 * the API and the test-only control API; the optional region listener serves the API only, on the
 * same state (like de.sentry.io next to sentry.io).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { loggerOptions } from '../logger.js'
import { API_ROUTES } from './api/index.js'
import { type Origin, registerApiRoutes } from './api/router.js'
import { type Control, registerControlRoutes } from './control.js'
import { formBodyOnly } from './http.js'
import { registerAuthorize } from './oauth-authorize.js'
import { registerToken } from './oauth-token.js'
import type { EmulatorState } from './state.js'

export function buildListener (state: EmulatorState, control: Control, origin: Origin): FastifyInstance {
  const app = Fastify({
    logger: state.options.logger ? loggerOptions('info') : false,
    // close() must not wait for stalled bodies or keep-alive sockets of test clients.
    forceCloseConnections: true,
    // Release versions can be long (e.g. "pkg@1.2.3+build.sha").
    routerOptions: { maxParamLength: 500 }
  })

  app.setNotFoundHandler(async (request, reply) => request.url.startsWith('/api/')
    ? reply.code(404).send({ detail: 'The requested resource does not exist' })
    : reply.code(404).type('text/html; charset=utf-8').send('<h1>Not Found</h1>'))

  app.register(async (api) => { registerApiRoutes(api, state, origin, API_ROUTES) })
  if (origin === 'main') {
    app.register(async (oauth) => {
      formBodyOnly(oauth)
      registerAuthorize(oauth, state)
      registerToken(oauth, state)
    })
    app.register(async (ctl) => {
      // Control calls may come with an empty JSON body.
      ctl.removeContentTypeParser('application/json')
      ctl.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
        try {
          done(null, body === '' ? {} : JSON.parse(body as string))
        } catch (err) {
          done(Object.assign(err as Error, { statusCode: 400 }), undefined)
        }
      })
      registerControlRoutes(ctl, control)
    })
    app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(
      '<h1>Local Sentry emulator</h1><p>A test double of sentry.io: <code>/api/0/</code>, <code>/oauth/authorize/</code>, ' +
      '<code>/oauth/token/</code>, <a href="/oauth/authorized-applications/">authorized applications</a>. ' +
      'Test-only control API under <code>/_emulator/</code>.</p>'))
  }
  return app
}
