import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Starts draining before a shutdown: /readyz answers 503 so the load balancer stops sending
     * new requests, answers carry `Connection: close`, requests in flight and new ones are still
     * served until `close()`.
     */
    startDraining: () => void
    /** True once draining or closing started. */
    readonly draining: boolean
  }
}

/**
 * Once the app drains or closes, answers carry `Connection: close`. Fastify closes idle keep-alive
 * sockets at close time, but a socket busy with an in-flight request would otherwise stay open
 * until the client's keep-alive expires (72 s), holding up a graceful shutdown; while draining,
 * it sends the client's next request through the load balancer to another instance.
 */
export default fp(async function gracefulClosePlugin (app: FastifyInstance) {
  let draining = false
  app.decorate('startDraining', () => { draining = true })
  app.decorate('draining', { getter: () => draining })
  app.addHook('preClose', async () => { draining = true })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'graceful-close' })
