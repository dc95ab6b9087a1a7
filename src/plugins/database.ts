import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import { openStore } from '../db/open-store.js'
import { type RefreshTracker, trackRefreshes } from '../db/refresh-tracker.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
    /** Refresh leases this process holds (src/db/refresh-tracker.ts): shutdown waits for them. */
    refreshes: Pick<RefreshTracker, 'whenIdle'>
  }
}

export interface DatabasePluginOptions {
  config: Pick<Config, 'postgres' | 'databasePath' | 'tokenKeys'>
  now?: () => number
  /** A ready store to use instead of opening DATABASE_URL's (tests); it is closed with the app all the same. */
  store?: Store
  /** How long closing the store waits for a refresh in flight to store its rotated tokens. */
  refreshWaitMs: number
}

/**
 * Opens the store DATABASE_URL selects (src/db/open-store.ts), decorates the app with it, and
 * closes it when the app closes (after in-flight requests). The plugin that opens the store is the
 * one that closes it: a later plugin failing to register closes it too (buildApp closes the app).
 */
export default fp(async function databasePlugin (app: FastifyInstance, opts: DatabasePluginOptions) {
  const opened = opts.store ?? await openStore(opts.config, {
    now: opts.now,
    onPoolError: err => { app.log.error({ err: { message: err.message, code: (err as { code?: string }).code } }, 'database connection lost') }
  })
  const refreshes = trackRefreshes(opened, opts.refreshWaitMs)
  app.decorate('store', refreshes.store)
  app.decorate('refreshes', { whenIdle: refreshes.whenIdle })
  app.addHook('onClose', async () => {
    await refreshes.store.close()
  })
}, { name: 'database' })
