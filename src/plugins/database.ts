import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Store } from '../db/store.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

export interface DatabasePluginOptions {
  store: Store
}

/** Decorates the app with the store and closes it when the app closes (after in-flight requests). */
export default fp(async function databasePlugin (app: FastifyInstance, opts: DatabasePluginOptions) {
  app.decorate('store', opts.store)
  app.addHook('onClose', async () => {
    await opts.store.close()
  })
}, { name: 'database' })
