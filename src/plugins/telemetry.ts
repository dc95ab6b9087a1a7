import { createHash, timingSafeEqual } from 'node:crypto'
import { type Server, createServer } from 'node:http'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Span } from '@opentelemetry/api'
import type { Config } from '../config.js'
import { headers } from '../http/schemas.js'
import { type Telemetry, createTelemetry } from '../telemetry/index.js'
import { persistedOperationNames } from '../telemetry/operations.js'
import { type RequestTelemetry, newRequestTelemetry } from '../telemetry/request-context.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Per-request telemetry state (upstream call count, GraphQL operation, trace span). */
    telemetry: RequestTelemetry
  }
  interface FastifyInstance {
    telemetry: Telemetry
  }
}

export interface TelemetryPluginOptions {
  config: Config
  /** Telemetry made elsewhere (tests); by default created from config.telemetry. Either way it is closed with the app. */
  telemetry?: Telemetry
  now?: () => number
  /** Paths whose requests are GraphQL operations (metrics per operation). */
  graphqlPath: string
}

/** Longest operation name written to the access log. */
const LOG_OPERATION_MAX = 100

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/**
 * Telemetry around every request: the access log (one line per request at info), x-request-id
 * echo, HTTP metrics, the request's trace span, and GET /metrics. Registered before any route so
 * that each route's handler runs inside the request's telemetry context (request-context.ts).
 */
export default fp(async function telemetryPlugin (app: FastifyInstance, opts: TelemetryPluginOptions) {
  const { graphqlPath } = opts
  // The store is read at scrape time only, once the database plugin (registered later) has opened it.
  const telemetry = opts.telemetry ?? await createTelemetry(opts.config, {
    store: { connectionStats: async () => await app.store.connectionStats() },
    knownOperations: persistedOperationNames(),
    now: opts.now
  })
  app.addHook('onClose', async () => { await telemetry.close() })
  const { metrics, tracing, requestContext } = telemetry
  const { metricsToken, metricsPort } = opts.config.telemetry
  app.decorate('telemetry', telemetry)
  // Set for each request in onRequest below; no dependencies.
  app.decorateRequest('telemetry', null, [])

  // Tracing's spans find the request's span through an AsyncLocalStorage. Without tracing it is
  // never entered: its promise hooks would cost every request ~9 % of its CPU on Node 20, and the
  // upstream-call count travels with each call instead (src/sentry/deadline.ts).
  if (tracing !== undefined) {
    app.addHook('onRoute', (route) => {
      const handler = route.handler
      route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
        return requestContext.run(request.telemetry, handler.bind(this), request, reply)
      }
    })
  }

  // The hooks below take Fastify's callback (no promise and microtask per hook and request).
  app.addHook('onRequest', (request, reply, done) => {
    const state = newRequestTelemetry()
    request.telemetry = state
    if (tracing !== undefined) state.span = state.requestSpan = tracing.startRequest(request.method, request.routeOptions.url, request.headers)
    reply.header('x-request-id', request.id)
    done()
  })

  // The GraphQL outcome: the first error's extensions.code, set by src/graphql/error-formatter.ts
  // before the answer is serialized (covers refusals before execution too).
  app.addHook('preSerialization', (request, _reply, payload, done) => {
    if (request.routeOptions.url === graphqlPath && payload !== null && typeof payload === 'object') {
      const errors = (payload as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors
      const code = errors?.[0]?.extensions?.code
      request.telemetry.outcome = errors === undefined || errors.length === 0 ? 'OK' : typeof code === 'string' ? code : 'GRAPHQL_ERROR'
    }
    done(null, payload)
  })

  // The access line holds only values this plugin puts there (method, route pattern, status,
  // numbers, the operation's name): no key under a redacted path of src/logger.ts, and no nested
  // object a wildcard path could reach. pino's redaction with wildcard paths clones and checks
  // every key of every line: ~12 µs a line on this machine against ~0.7 µs without (pino 10).
  // So this one line goes through a child without redaction paths; every other line keeps them.
  // `reqId` is what Fastify's request logger binds (its default requestIdLogLabel).
  const accessLog = app.log.child({}, { redact: { paths: [] } })

  app.addHook('onResponse', (request, reply, done) => {
    const state = request.telemetry
    const route = request.routeOptions.url
    const status = reply.statusCode
    const ms = reply.elapsedTime
    if (metrics !== undefined) {
      metrics.httpRequest(request.method, route, status, ms / 1000)
      if (route === graphqlPath && (request.method === 'POST' || request.method === 'GET')) {
        metrics.graphqlOperation(state.operation, state.outcome ?? (status < 400 ? 'OK' : `HTTP_${status}`), ms / 1000)
      }
    }
    if (tracing !== undefined && state.requestSpan !== undefined) {
      if (state.operationSpan !== undefined) tracing.endOperation(state.operationSpan as Span, state.outcome ?? `HTTP_${status}`)
      tracing.endRequest(state.requestSpan as Span, status, request.id)
    }
    accessLog.info({
      reqId: request.id,
      method: request.method,
      route: route ?? null,
      status,
      durationMs: Math.round(ms * 100) / 100,
      operation: state.operation === undefined ? undefined : state.operation.slice(0, LOG_OPERATION_MAX),
      upstreamCalls: state.upstreamCalls
    }, 'request')
    done()
  })

  if (metrics === undefined) return

  if (metricsToken !== undefined) {
    const expected = digest(`Bearer ${metricsToken}`)
    app.get<{ Headers: { authorization?: string } }>('/metrics', {
      schema: { headers: headers('authorization') }
    }, async (request, reply) => {
      const given = request.headers.authorization
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
        return await reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({
          error: 'UNAUTHENTICATED',
          message: 'GET /metrics needs the header "Authorization: Bearer <METRICS_TOKEN>".'
        })
      }
      return await reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(await metrics.scrape())
    })
  }

  if (metricsPort !== undefined) {
    // Loopback only, no token: for a scraper (or sidecar) on the same host or pod.
    let server: Server | undefined
    app.addHook('onReady', async () => {
      server = createServer((req, res) => {
        if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here.\n')
          return
        }
        metrics.scrape().then(
          (body) => { res.writeHead(200, { 'content-type': metrics.contentType }).end(body) },
          (err: unknown) => {
            app.log.error({ err }, 'metrics scrape failed')
            res.writeHead(500, { 'content-type': 'text/plain' }).end('The metrics could not be collected; see the gateway log.\n')
          })
      })
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject)
        server?.listen(metricsPort, '127.0.0.1', () => { resolve() })
      })
      app.log.info({ port: metricsPort }, 'metrics served on 127.0.0.1')
    })
    app.addHook('onClose', async () => {
      if (server === undefined) return
      const s = server
      await new Promise<void>((resolve) => { s.close(() => { resolve() }); s.closeAllConnections() })
    })
  }
}, { name: 'telemetry' })
