import type { FastifyInstance } from 'fastify'

/** The longest a readiness probe waits for the database: a load balancer's probe has its own timeout. */
const READY_PING_TIMEOUT_MS = 2000

async function pingWithin (app: FastifyInstance, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      app.store.ping(),
      new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms) })
    ])
  } finally {
    clearTimeout(timer)
  }
}

const status = (extra: Record<string, object> = {}): object => ({
  type: 'object',
  required: ['status', ...Object.keys(extra)],
  properties: { status: { type: 'string' }, ...extra }
})
/** What /readyz and /healthz answer: the instance's status and the database's. */
const WITH_DATABASE = { response: { 200: status({ database: { type: 'string' } }), 503: status({ database: { type: 'string' } }) } }

/**
 * Health endpoints for load balancers and orchestrators:
 * - GET /livez: the process serves HTTP (no database check, so a database outage restarts nothing);
 * - GET /readyz: ready for traffic: the database answers (its migrations were applied before the
 *   app started) and the instance is not draining for a shutdown; 503 otherwise;
 * - GET /healthz: 200 when the database answers, 503 otherwise (kept as it was).
 */
export default async function healthRoutes (app: FastifyInstance): Promise<void> {
  app.get('/livez', { schema: { response: { 200: status() } } }, async () => ({ status: 'ok' }))

  app.get('/readyz', { schema: WITH_DATABASE }, async (request, reply) => {
    if (app.draining) return await reply.code(503).send({ status: 'draining', database: 'not checked' })
    try {
      await pingWithin(app, READY_PING_TIMEOUT_MS)
      return { status: 'ready', database: 'ok' }
    } catch (err) {
      request.log.warn({ err: { message: (err as Error).message, code: (err as { code?: unknown }).code } }, 'readiness: database did not answer')
      return await reply.code(503).send({ status: 'unavailable', database: 'unreachable' })
    }
  })

  app.get('/healthz', { schema: WITH_DATABASE }, async (request, reply) => {
    try {
      await app.store.ping()
      return { status: 'ok', database: 'ok' }
    } catch (err) {
      request.log.error({ err }, 'health check: database did not answer')
      return await reply.code(503).send({ status: 'unavailable', database: 'unreachable' })
    }
  })
}
