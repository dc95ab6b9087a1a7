import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Dispatcher } from 'undici'
import type { Config } from '../config.js'
import { type SentryGatewayService, createSentryGateway } from '../sentry/gateway.js'
import type { Signals } from '../telemetry/signals.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The refresh-, rate- and region-aware Sentry client (src/sentry). */
    sentry: Omit<SentryGatewayService, 'close'>
  }
}

export interface SentryPluginOptions {
  config: Config
  now?: () => number
  /** Injected undici dispatcher (tests); by default one Agent per app, closed with the app. */
  dispatcher?: Dispatcher
  /** Metrics and tracing hooks for the Sentry pipeline; no-op by default. */
  signals?: Signals
}

/** Decorates `app.sentry`; closes the upstream HTTP agent when the app closes. */
export default fp(async function sentryPlugin (app: FastifyInstance, opts: SentryPluginOptions) {
  const gateway = createSentryGateway({
    config: opts.config,
    store: app.store,
    dispatcher: opts.dispatcher,
    now: opts.now,
    logger: app.log.child({ component: 'sentry' }),
    signals: opts.signals
  })
  app.decorate('sentry', gateway)
  app.addHook('onClose', async () => {
    await gateway.close()
  })
}, { name: 'sentry', dependencies: ['database'] })
