import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { type KeepAlive, createKeepAlive } from '../ops/keep-alive.js'

declare module 'fastify' {
  interface FastifyInstance {
    keepAlive: KeepAlive | undefined
  }
}

export interface KeepAlivePluginOptions {
  config: Config
  now?: () => number
}

/**
 * Runs the keep-alive task (src/ops/keep-alive.ts) while the gateway listens: it starts with
 * `listen()` (an app used only through inject() never refreshes behind a test's back) and stops on
 * close, before the store and the Sentry client close. SENTRY_KEEPALIVE_DAYS=0 turns it off.
 */
export default fp(async function keepAlivePlugin (app: FastifyInstance, opts: KeepAlivePluginOptions) {
  const { config } = opts
  if (config.keepAliveDays === 0) {
    app.decorate('keepAlive', undefined)
    return
  }
  const keepAlive = createKeepAlive({
    store: app.store,
    refresh: async (id, version) => await app.sentry.refreshTokens(id, version),
    days: config.keepAliveDays,
    intervalMs: config.keepAliveIntervalSeconds * 1000,
    now: opts.now,
    metrics: app.telemetry.metrics,
    logger: app.log.child({ component: 'keep-alive' })
  })
  app.decorate('keepAlive', keepAlive)
  app.addHook('onListen', async () => { keepAlive.start() })
  app.addHook('preClose', async () => { await keepAlive.stop() })
}, { name: 'keep-alive', dependencies: ['database', 'sentry', 'telemetry'] })
