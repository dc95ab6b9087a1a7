import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Dispatcher } from 'undici'
import type { Config } from './config.js'
import { loggerOptions } from './logger.js'
import { requestLoggerFactory } from './request-logger.js'
import { LogDestination } from './log-destination.js'
import type { Store } from './db/store.js'
import databasePlugin from './plugins/database.js'
import gracefulClosePlugin from './plugins/graceful-close.js'
import errorHandlerPlugin from './plugins/error-handler.js'
import sessionPlugin from './plugins/session.js'
import authPlugin from './auth/plugin.js'
import securityPlugin from './plugins/security.js'
import sentryOAuthPlugin from './plugins/sentry-oauth.js'
import connectRoutes from './routes/connect.js'
import pageRoutes from './routes/pages.js'
import sentryPlugin from './plugins/sentry.js'
import graphqlPlugin from './plugins/graphql.js'
import healthRoutes from './routes/health.js'
import type { Signals } from './telemetry/signals.js'
import telemetryPlugin from './plugins/telemetry.js'
import graphqlTelemetryPlugin from './plugins/graphql-telemetry.js'
import keepAlivePlugin from './plugins/keep-alive.js'
import { GRAPHQL_PATH } from './plugins/graphql.js'
import type { Telemetry } from './telemetry/index.js'
import { requestIdFrom } from './telemetry/request-id.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Writes the log lines gathered so far (src/log-destination.ts); a no-op with an injected logger. */
    flushLogs: () => void
  }
}

export interface AppDeps {
  /** A ready store; by default the one DATABASE_URL selects (SQLite file or PostgreSQL). */
  store?: Store
  /** Clock, injectable for tests. */
  now?: () => number
  /** Pino logger options override (tests pass a stream to capture lines). */
  logger?: Record<string, unknown> | boolean
  /** The undici dispatcher for upstream Sentry calls (tests); by default one Agent per app. */
  dispatcher?: Dispatcher
  /** What the Sentry pipeline reports (upstream calls, retries, waits, refreshes); no-op by default. */
  signals?: Signals
  /** Telemetry override (tests); by default created from config.telemetry. */
  telemetry?: Telemetry
}

/**
 * The app factory: returns a Fastify instance that is not listening. No global state: each
 * resource (database, HTTP agent, telemetry exporters, timers) is opened by the plugin that
 * releases it on `app.close()`; when a plugin fails to register, those registered before it are
 * closed before the error is thrown, so a failed start leaks nothing.
 */
export async function buildApp (config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const pretty = !config.production && process.stdout.isTTY
  // Lines to stdout, gathered into fewer writes (LOG_BUFFER_BYTES); pino-pretty writes its own.
  const destination = deps.logger === undefined && !pretty
    ? new LogDestination({ fd: 1, bufferBytes: config.logBufferBytes, flushIntervalMs: config.logFlushIntervalMs })
    : undefined
  const app = Fastify({
    logger: deps.logger === undefined
      ? { ...loggerOptions(config.logLevel, { pretty }), ...(destination === undefined ? {} : { stream: destination }) }
      : deps.logger,
    trustProxy: config.production,
    bodyLimit: 1024 * 1024,
    // One access-log line per request, written by the telemetry plugin (README "Operating").
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: requestIdFrom,
    // request.log is made when a request writes its first line (src/request-logger.ts).
    childLoggerFactory: requestLoggerFactory,
    // Query schemas list both shapes of a parameter (`type: ['string', 'array']`, src/http/schemas.ts)
    // so Ajv never coerces one into the other; Ajv's strict mode wants union types allowed by name.
    ajv: { customOptions: { allowUnionTypes: true } }
  })

  app.decorate('flushLogs', () => { destination?.flush() })
  if (destination !== undefined) {
    // Start-up lines (warnings, "Server listening at …") appear at once; the app's close writes the rest.
    app.addHook('onListen', async () => { destination.flush() })
    app.addHook('onClose', async () => { destination.close() })
  }
  try {
    await registerPlugins(app, config, deps)
  } catch (err) {
    // What the plugins registered so far opened (the store, telemetry exporters) closes with them.
    await app.close().catch((closeErr: unknown) => { app.log.error({ err: closeErr }, 'closing after a failed start failed') })
    throw err
  }

  return app
}

/** The plugins, in order: each one opens what it owns and closes it on `app.close()`. */
async function registerPlugins (app: FastifyInstance, config: Config, deps: AppDeps): Promise<void> {
  // Telemetry before any route, so that every handler runs in its request's telemetry context.
  await app.register(telemetryPlugin, { config, telemetry: deps.telemetry, now: deps.now, graphqlPath: GRAPHQL_PATH })
  // Security headers and CORS first, so every answer (404s and errors included) carries them.
  await app.register(gracefulClosePlugin)
  await app.register(securityPlugin, { config })
  // A refresh in flight at shutdown ends within one upstream call: wait that long for its rotated tokens.
  const refreshWaitMs = config.upstreamConnectTimeoutMs + config.upstreamRequestTimeoutMs + 5000
  await app.register(databasePlugin, { config, now: deps.now, store: deps.store, refreshWaitMs })
  await app.register(errorHandlerPlugin)
  await app.register(sessionPlugin, { config })
  await app.register(authPlugin, { config, now: deps.now })
  await app.register(sentryOAuthPlugin, { config, now: deps.now })
  await app.register(sentryPlugin, { config, now: deps.now, dispatcher: deps.dispatcher, signals: deps.signals ?? app.telemetry.signals })
  // onClose hooks run in reverse order of registration: this one, registered after the Sentry
  // plugin, runs before it closes the upstream HTTP agent (and before the database closes), so a
  // refresh in flight gets Sentry's answer and stores the rotated pair first.
  app.addHook('onClose', async () => { await app.refreshes.whenIdle(refreshWaitMs) })
  await app.register(graphqlPlugin, { config })
  await app.register(graphqlTelemetryPlugin)
  await app.register(keepAlivePlugin, { config, now: deps.now })
  await app.register(healthRoutes)
  await app.register(connectRoutes, { config, now: deps.now })
  await app.register(pageRoutes, { config, now: deps.now })
}
