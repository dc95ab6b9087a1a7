import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { isGatewayError } from '../errors.js'

/**
 * One place maps errors to HTTP answers: domain errors keep their code and message; anything
 * else becomes a generic 500 with no detail (the log has it, redacted).
 */
export default fp(async function errorHandlerPlugin (app: FastifyInstance) {
  app.setErrorHandler((err, request, reply) => {
    if (isGatewayError(err)) {
      return reply.code(err.statusCode).send({ error: err.code, message: err.message, ...err.extensions })
    }
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number'
      ? (err as { statusCode: number }).statusCode
      : 500
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error')
      return reply.code(500).send({ error: 'INTERNAL_SERVER_ERROR', message: 'Something went wrong on our side.' })
    }
    // Fastify's own 4xx (bad JSON body, too large, unsupported media type): its message is safe.
    return reply.code(status).send({ error: 'BAD_REQUEST', message: (err as Error).message })
  })
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` })
  })
}, { name: 'error-handler' })
