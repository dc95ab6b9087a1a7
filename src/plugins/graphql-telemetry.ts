import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Span } from '@opentelemetry/api'
import { getOperationAST } from 'graphql'
import { fieldOf } from '../http/fields.js'

/**
 * Names the GraphQL operation of a request (for the access log and the per-operation metrics)
 * and, with tracing on, wraps its execution in a span that the upstream calls become children of.
 * Registered after the graphql plugin (mercurius hooks, https://mercurius.dev/#/docs/hooks).
 */
export default fp(async function graphqlTelemetryPlugin (app: FastifyInstance) {
  const { tracing } = app.telemetry
  app.graphql.addHook('preExecution', async (_schema, document, context) => {
    const request = context.reply.request
    const state = request.telemetry
    const wanted = fieldOf(request.body, 'operationName') ?? fieldOf(request.query, 'operationName')
    const operation = getOperationAST(document, typeof wanted === 'string' ? wanted : undefined)
    state.operation = operation?.name?.value
    if (tracing !== undefined && state.requestSpan !== undefined) {
      state.operationSpan = state.span = tracing.startOperation(state.requestSpan as Span, operation?.operation ?? 'query', state.operation)
    }
  })
  if (tracing !== undefined) {
    app.graphql.addHook('onResolution', async (execution, context) => {
      const state = context.reply.request.telemetry
      if (state.operationSpan === undefined) return
      const first = execution.errors?.[0] as { extensions?: { code?: unknown }, originalError?: { code?: unknown } } | undefined
      const code = first?.extensions?.code ?? first?.originalError?.code
      tracing.endOperation(state.operationSpan as Span, first === undefined ? 'OK' : typeof code === 'string' ? code : 'GRAPHQL_ERROR')
      state.operationSpan = undefined
      state.span = state.requestSpan
    })
  }
}, { name: 'graphql-telemetry', dependencies: ['graphql', 'telemetry'] })
