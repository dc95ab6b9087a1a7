import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/**
 * Once the app starts closing, answers carry `Connection: close`. Fastify closes idle keep-alive
 * sockets at close time, but a socket busy with an in-flight request would otherwise stay open
 * until the client's keep-alive expires (72 s), holding up a graceful shutdown.
 */
export default fp(async function gracefulClosePlugin (app: FastifyInstance) {
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close')
  })
}, { name: 'graceful-close' })
