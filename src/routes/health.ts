import type { FastifyInstance } from 'fastify'

/** GET /healthz: 200 when the database answers, 503 otherwise. */
export default async function healthRoutes (app: FastifyInstance): Promise<void> {
  app.get('/healthz', async (request, reply) => {
    try {
      await app.store.ping()
      return { status: 'ok', database: 'ok' }
    } catch (err) {
      request.log.error({ err }, 'health check: database did not answer')
      return reply.code(503).send({ status: 'unavailable', database: 'unreachable' })
    }
  })
}
